import { readFileSync } from 'node:fs';
import type { ServiceConfig } from '../config/config.js';
import { MicrocredError } from '../errors.js';
import { parseTrustRegistry, trustRegistryFromReport, type TrustRegistry } from '../verifier/trust.js';
import type { VerificationReport } from '../verifier/report.js';

/** Load the configured trust registry: plain JSON, or a VC-JWT that must verify and come from TRUST_REGISTRY_ISSUER. */
export async function loadTrustRegistry(config: Pick<ServiceConfig, 'trustRegistryPath' | 'trustRegistryIssuer'>, verify: (jwt: string) => Promise<VerificationReport>): Promise<TrustRegistry | null> {
  if (!config.trustRegistryPath) return null;
  let text: string;
  try {
    text = readFileSync(config.trustRegistryPath, 'utf8').trim();
  } catch (e) {
    throw new MicrocredError('MC_USAGE', `TRUST_REGISTRY: cannot read ${config.trustRegistryPath}: ${(e as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  if (text.startsWith('{')) return parseTrustRegistry(JSON.parse(text) as unknown, config.trustRegistryPath);
  if (!config.trustRegistryIssuer) throw new MicrocredError('MC_USAGE', 'TRUST_REGISTRY is signed: set TRUST_REGISTRY_ISSUER to the issuer that must have signed it');
  return trustRegistryFromReport(await verify(text), config.trustRegistryIssuer);
}
