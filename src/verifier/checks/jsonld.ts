import { LRUCache } from 'lru-cache';
import type { Problem } from '../../errors.js';
import { checkJsonLdTerms } from '../../lib/jsonld/expand.js';
import type { CheckResult } from '../report.js';
import { passed, result } from './result.js';

/**
 * Whether every term is defined depends only on the document's shape: its keys, its types, its
 * contexts, and whether string values are absolute IRIs. Credentials of one achievement share a
 * shape, so JSON-LD expansion (milliseconds each) runs once per shape, not once per credential.
 */
function shapeOf(v: unknown, key = ''): string {
  if (Array.isArray(v)) return `[${v.map((x) => shapeOf(x, key)).join(',')}]`;
  if (v === null) return 'n';
  switch (typeof v) {
    case 'object':
      return `{${Object.entries(v as Record<string, unknown>).map(([k, x]) => `${JSON.stringify(k)}:${shapeOf(x, k)}`).join(',')}}`;
    case 'string':
      if (key === 'type' || key === '@type' || key === '@context' || key === 'cryptosuite') return JSON.stringify(v);
      return /^[a-z][a-z0-9+.-]*:/i.test(v) ? 'i' : 's';
    default:
      return typeof v === 'number' ? '0' : 'b';
  }
}

const cache = new LRUCache<string, Problem[]>({ max: 2000 });

export async function checkJsonLd(credential: Record<string, unknown>): Promise<CheckResult> {
  const shape = shapeOf(credential);
  let problems = cache.get(shape);
  if (!problems) {
    problems = await checkJsonLdTerms(credential);
    cache.set(shape, problems);
  }
  if (problems.length === 0) return passed('jsonld', 'every term is defined by the credential\'s contexts (JSON-LD safe mode)');
  const unknownContext = problems.find((p) => p.code === 'MC_CONTEXT_UNKNOWN');
  if (unknownContext) {
    return result('jsonld', 'warning', 'MC_CONTEXT_UNKNOWN', `terms could not be checked: ${unknownContext.message}`, { problems });
  }
  const first = problems[0]!;
  return result('jsonld', 'failed', first.code === 'MC_JSONLD_FAILED' ? 'MC_JSONLD_FAILED' : 'MC_JSONLD_UNDEFINED_TERM', `${first.message} (at ${first.path})${problems.length > 1 ? ` and ${problems.length - 1} more` : ''}`, { problems });
}
