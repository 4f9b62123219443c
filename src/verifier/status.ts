import { BitstringError, decodeBitstring, MIN_LIST_SIZE, readStatus } from '../status/bitstring.js';
import { issuerIdOf } from './checks/claims.js';
import { passed, result } from './checks/result.js';
import type { CheckResult, VerificationReport } from './report.js';
import type { StatusChecker } from './verify.js';

type Outcome = CheckResult;
const asArray = (v: unknown): unknown[] => (v === undefined || v === null ? [] : Array.isArray(v) ? v : [v]);

const ACCEPT = 'application/vc+jwt, application/vc+ld+json, application/jwt, application/json;q=0.9, text/plain;q=0.5';

/**
 * Bitstring Status List v1.0 checker. Each `BitstringStatusListEntry` is checked against its
 * list credential, which must itself verify (same keys, clock and network policy) and be issued
 * by the credential's issuer: a list anyone else signed says nothing about the credential.
 */
export function createBitstringStatusChecker(verifyList: (bytes: Uint8Array) => Promise<VerificationReport>): StatusChecker {
  return async (credential, { fetcher }) => {
    const issuerId = issuerIdOf(credential);
    const outcomes: Outcome[] = [];
    for (const raw of asArray(credential.credentialStatus)) {
      const entry = (raw ?? {}) as Record<string, unknown>;
      if (entry.type === '1EdTechRevocationList') {
        outcomes.push(await checkLegacyList(entry.id, credential.id));
        continue;
      }
      if (entry.type !== 'BitstringStatusListEntry') {
        outcomes.push(result('status', 'failed', 'MC_STATUS_UNSUPPORTED', `status method ${JSON.stringify(entry.type ?? null)} is not supported (BitstringStatusListEntry is), so revocation could not be checked`));
        continue;
      }
      const purpose = entry.statusPurpose;
      if (purpose !== 'revocation' && purpose !== 'suspension') continue; // message/refresh lists do not decide validity
      const index = typeof entry.statusListIndex === 'number' ? entry.statusListIndex : typeof entry.statusListIndex === 'string' && /^\d+$/.test(entry.statusListIndex) ? Number(entry.statusListIndex) : NaN;
      const url = entry.statusListCredential;
      if (!Number.isSafeInteger(index) || index < 0 || typeof url !== 'string') {
        outcomes.push(result('status', 'failed', 'MC_STATUS_LIST_INVALID', 'the status entry has no usable statusListIndex or statusListCredential'));
        continue;
      }
      outcomes.push(await checkEntry(url, index, purpose, issuerId));
    }
    const order = ['MC_STATUS_REVOKED', 'MC_STATUS_SUSPENDED', 'MC_STATUS_LIST_INVALID', 'MC_STATUS_UNAVAILABLE', 'MC_STATUS_UNSUPPORTED'];
    for (const code of order) {
      const hit = outcomes.find((o) => o.code === code);
      if (hit) return hit;
    }
    return outcomes.length ? passed('status', outcomes.map((o) => o.message).join('; ')) : passed('status', 'no revocation or suspension entry');

    /**
     * 1EdTech Revocation List (VCRL-10), deprecated in OB 3.0 doc 1.3 but still in the field and
     * in the spec's examples: an unsigned JSON list of revoked credential ids.
     */
    async function checkLegacyList(url: unknown, credentialId: unknown): Promise<Outcome> {
      if (typeof url !== 'string') return result('status', 'failed', 'MC_STATUS_LIST_INVALID', 'the 1EdTechRevocationList entry has no id (list URL)');
      let list: { revokedCredential?: Array<{ id?: unknown; revoked?: unknown; revocationReason?: unknown }> };
      try {
        const res = await fetcher(url, { accept: 'application/json' });
        list = JSON.parse(Buffer.from(res.body).toString('utf8')) as typeof list;
      } catch (e) {
        return result('status', 'failed', 'MC_STATUS_UNAVAILABLE', `could not fetch the 1EdTech revocation list ${url}: ${(e as Error).message}`);
      }
      const hit = Array.isArray(list?.revokedCredential) ? list.revokedCredential.find((r) => r?.id === credentialId && r.revoked !== false) : undefined;
      if (hit) return result('status', 'failed', 'MC_STATUS_REVOKED', `revoked by its issuer${typeof hit.revocationReason === 'string' ? `: ${hit.revocationReason}` : ''} (1EdTech revocation list ${url})`);
      return passed('status', `not revoked (1EdTech revocation list ${url}, deprecated method)`);
    }

    async function checkEntry(url: string, index: number, purpose: 'revocation' | 'suspension', issuer: string | undefined): Promise<Outcome> {
      let body: Uint8Array;
      try {
        body = (await fetcher(url, { accept: ACCEPT })).body;
      } catch (e) {
        return result('status', 'failed', 'MC_STATUS_UNAVAILABLE', `could not fetch the ${purpose} list ${url}: ${(e as Error).message}`);
      }
      const listReport = await verifyList(body);
      if (!listReport.verified || !listReport.credential) {
        const why = listReport.checks.find((c) => c.status === 'failed');
        return result('status', 'failed', 'MC_STATUS_LIST_INVALID', `the ${purpose} list ${url} does not verify${why ? `: ${why.message}` : ''}`, { list: listReport.checks });
      }
      const list = listReport.credential;
      // Another of the issuer's own lists, served at this URL, must not answer for it.
      if (list.id !== url) {
        return result('status', 'failed', 'MC_STATUS_LIST_INVALID', `the document served at ${url} is the list ${JSON.stringify(list.id ?? null)}, not the list the credential names`);
      }
      if (issuerIdOf(list) !== issuer) {
        return result('status', 'failed', 'MC_STATUS_LIST_INVALID', `the ${purpose} list ${url} is issued by ${String(issuerIdOf(list))}, not by the credential's issuer`);
      }
      const subject = (Array.isArray(list.credentialSubject) ? list.credentialSubject[0] : list.credentialSubject) as Record<string, unknown> | undefined;
      if (!subject || subject.statusPurpose !== purpose) {
        return result('status', 'failed', 'MC_STATUS_LIST_INVALID', `the list ${url} is for ${JSON.stringify(subject?.statusPurpose ?? null)}, not ${purpose}`);
      }
      if (subject.statusSize !== undefined && subject.statusSize !== 1) {
        return result('status', 'failed', 'MC_STATUS_UNSUPPORTED', `status entries of ${String(subject.statusSize)} bits are not supported`);
      }
      let value: number;
      try {
        const bits = decodeBitstring(subject.encodedList);
        if (bits.length * 8 < MIN_LIST_SIZE) {
          return result('status', 'failed', 'MC_STATUS_LIST_INVALID', `the list ${url} has ${bits.length * 8} entries, fewer than the ${MIN_LIST_SIZE} that give herd privacy`);
        }
        value = readStatus(bits, index);
      } catch (e) {
        if (e instanceof BitstringError) return result('status', 'failed', 'MC_STATUS_LIST_INVALID', `${url}: ${e.message}`);
        throw e;
      }
      if (value === 0) return passed('status', `not ${purpose === 'revocation' ? 'revoked' : 'suspended'} (${purpose} list checked)`);
      return purpose === 'revocation'
        ? result('status', 'failed', 'MC_STATUS_REVOKED', `revoked by its issuer (revocation list ${url}, entry ${index})`)
        : result('status', 'failed', 'MC_STATUS_SUSPENDED', `suspended by its issuer (suspension list ${url}, entry ${index})`);
    }
  };
}
