import { stringify } from 'csv-stringify/sync';
import type { Storage, StoredBatchRow } from '../storage/types.js';

/** Every row of a batch, page by page (batches can hold hundreds of thousands of rows). */
export async function* allRows(storage: Storage, batchId: string, pageSize = 5000): AsyncGenerator<StoredBatchRow> {
  for (let offset = 0; ; offset += pageSize) {
    const page = await storage.listBatchRows(batchId, { limit: pageSize, offset });
    yield* page.items;
    if (offset + pageSize >= page.total) return;
  }
}

export const MANIFEST_HEADER = ['row', 'learner', 'credential_id', 'verification_url', 'status', 'problems'];

/** One manifest line per row: what happened to each learner, with the link employers open. */
export function manifestLine(row: StoredBatchRow, verificationUrl: string | null): string {
  return stringify([[row.line, row.learner, row.credentialId ?? '', verificationUrl ?? '', row.state, (row.problems ?? []).map((p) => `${p.path}: ${p.message}`).join('; ')]]);
}

export const manifestHeader = (): string => stringify([MANIFEST_HEADER]);
