/**
 * npm run bench: throughput of microcred's issue and verify pipelines as ratios against
 * baselines measured in the same run (raw node:crypto, jose). Writes bench/results/latest.json.
 * Numbers are for orientation; no unit test asserts them.
 */
import { createPrivateKey, createPublicKey, sign as cryptoSign, verify as cryptoVerify } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as jose from 'jose';
import { createLocalSigner, generateKey, issueCredential, type IssuanceRequest, type JwsAlgorithm } from '../src/issuer/index.js';
import { createVerifier } from '../src/verifier/index.js';
import { MicrocredError } from '../src/errors.js';
import { machine, measure, table, type Measurement } from './harness.js';

const only = process.argv.slice(2);
const want = (group: string) => only.length === 0 || only.includes(group);
const request = JSON.parse(readFileSync(new URL('../examples/requests/in-ncrf-data-ethics.json', import.meta.url), 'utf8')) as IssuanceRequest;
const offline = async (url: string) => {
  throw new MicrocredError('MC_FETCH_FAILED', `offline benchmark: ${url}`);
};

const rows: Measurement[] = [];

async function pipeline(alg: JwsAlgorithm) {
  const key = generateKey(alg);
  const id = key.identifiers[0]!;
  const signer = createLocalSigner(key.privateJwk, id.kid);
  const { jwt, credential } = await issueCredential(request, { signer });
  const [h, p] = jwt.split('.');
  const signingInput = Buffer.from(`${h}.${p}`);
  const priv = createPrivateKey({ key: key.privateJwk as import('node:crypto').JsonWebKey, format: 'jwk' });
  const pub = createPublicKey({ key: key.publicJwk as import('node:crypto').JsonWebKey, format: 'jwk' });
  const digest = alg === 'EdDSA' ? null : 'sha256';
  const opts = alg === 'ES256' ? { dsaEncoding: 'ieee-p1363' as const } : {};
  const sig = cryptoSign(digest, signingInput, { key: priv, ...opts });

  const rawSign = await measure(() => cryptoSign(digest, signingInput, { key: priv, ...opts }));
  const rawVerify = await measure(() => cryptoVerify(digest, signingInput, { key: pub, ...opts }, sig));
  rows.push({ name: `${alg} raw node:crypto sign`, opsPerSec: rawSign });
  rows.push({ name: `${alg} raw node:crypto verify`, opsPerSec: rawVerify });

  const joseKey = await jose.importJWK(key.privateJwk, alg);
  const josePub = await jose.importJWK(key.publicJwk, alg);
  const payloadBytes = Buffer.from(p!, 'base64url');
  const joseSign = await measure(() => new jose.CompactSign(payloadBytes).setProtectedHeader({ alg, kid: id.kid, typ: 'JWT' }).sign(joseKey));
  const joseVerify = await measure(() => jose.compactVerify(jwt, josePub));
  rows.push({ name: `${alg} jose sign (baseline, no checks)`, opsPerSec: joseSign, ratio: joseSign / rawSign, baseline: 'raw sign' });
  rows.push({ name: `${alg} jose verify (baseline, no checks)`, opsPerSec: joseVerify, ratio: joseVerify / rawVerify, baseline: 'raw verify' });

  const issueRate = await measure(() => issueCredential(request, { signer }));
  rows.push({ name: `${alg} full issuance (build, schema, JSON-LD, lint, sign)`, opsPerSec: issueRate, ratio: issueRate / rawSign, baseline: 'raw sign', target: 0.5 });
  const verify = createVerifier({ fetcher: offline });
  const check = await verify(jwt);
  if (!check.verified) throw new Error(`benchmark credential does not verify: ${JSON.stringify(check.checks.filter((c) => c.status === 'failed'))}`);
  const verifyRate = await measure(() => verify(jwt));
  rows.push({ name: `${alg} full verification (every check)`, opsPerSec: verifyRate, ratio: verifyRate / rawVerify, baseline: 'raw verify', target: 0.4, note: `vs jose verify: ${(verifyRate / joseVerify).toFixed(2)}×` });
  void credential;
}

if (want('jwt')) {
  await pipeline('ES256');
  await pipeline('EdDSA');
}

const result = { date: new Date().toISOString(), machine: machine(), rows };
mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
writeFileSync(new URL('./results/latest.json', import.meta.url), JSON.stringify(result, null, 2) + '\n');
process.stdout.write(`${table(rows)}\n\nmachine: ${JSON.stringify(result.machine)}\nwritten: bench/results/latest.json\n`);
