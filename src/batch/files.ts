/**
 * Per-learner output files of a batch, written after issuing (`microcred batch --out DIR
 * --files …`): the credential, the QR code of its verification link, and baked badges. The same
 * bytes the service serves at /api/v1/credentials/<uuid>/(<uuid>.jwt | qr.png | badge.png |
 * badge.svg), made in a later step than signing so that they never slow issuance down.
 */
import { verificationQrPng } from '../web/qr.js';
import { bakedBadge } from '../web/wallet-page.js';
import type { StoredCredential } from '../storage/types.js';

/** What a learner's files are made from. */
export type FileSource = Pick<StoredCredential, 'id' | 'jwt' | 'credential'>;

export const LEARNER_FILE_KINDS = ['jwt', 'qr', 'png', 'svg'] as const;
export type LearnerFileKind = (typeof LEARNER_FILE_KINDS)[number];

export interface LearnerFile {
  /** Folder under the output directory. */
  dir: 'credentials' | 'qr' | 'badges';
  name: string;
  data: string | Uint8Array;
}

/** Parse a `--files` list such as `jwt,qr,png`; null when it names an unknown kind. */
export function parseFileKinds(list: string): Set<LearnerFileKind> | null {
  const kinds = list.split(',').map((k) => k.trim().toLowerCase()).filter(Boolean);
  if (kinds.length === 0 || !kinds.every((k): k is LearnerFileKind => (LEARNER_FILE_KINDS as readonly string[]).includes(k))) return null;
  return new Set(kinds);
}

/** The files of one learner's credential (`line` is the row's line in the cohort file). */
export async function learnerFiles(c: FileSource, verificationUrl: string, line: number, kinds: ReadonlySet<LearnerFileKind>): Promise<LearnerFile[]> {
  const stem = `${line}-${c.id.replace('urn:uuid:', '')}`;
  const out: LearnerFile[] = [];
  if (kinds.has('jwt')) out.push({ dir: 'credentials', name: `${stem}.jwt`, data: `${c.jwt}\n` });
  if (kinds.has('qr')) out.push({ dir: 'qr', name: `${stem}.png`, data: await verificationQrPng(verificationUrl) });
  if (kinds.has('png')) out.push({ dir: 'badges', name: `${stem}.png`, data: bakedBadge(c.credential, c.jwt, 'png') });
  if (kinds.has('svg')) out.push({ dir: 'badges', name: `${stem}.svg`, data: bakedBadge(c.credential, c.jwt, 'svg') });
  return out;
}
