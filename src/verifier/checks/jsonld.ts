import { checkJsonLdTermsCached } from '../../lib/jsonld/expand.js';
import type { KnownPart } from '../../lib/known-part.js';
import type { CheckResult } from '../report.js';
import { passed, result } from './result.js';

export async function checkJsonLd(credential: Record<string, unknown>, part?: KnownPart): Promise<CheckResult> {
  const problems = await checkJsonLdTermsCached(credential, part ? [part] : undefined);
  if (problems.length === 0) return passed('jsonld', 'every term is defined by the credential\'s contexts (JSON-LD safe mode)');
  const unknownContext = problems.find((p) => p.code === 'MC_CONTEXT_UNKNOWN');
  if (unknownContext) {
    return result('jsonld', 'warning', 'MC_CONTEXT_UNKNOWN', `terms could not be checked: ${unknownContext.message}`, { problems });
  }
  const first = problems[0]!;
  return result('jsonld', 'failed', first.code === 'MC_JSONLD_FAILED' ? 'MC_JSONLD_FAILED' : 'MC_JSONLD_UNDEFINED_TERM', `${first.message} (at ${first.path})${problems.length > 1 ? ` and ${problems.length - 1} more` : ''}`, { problems });
}
