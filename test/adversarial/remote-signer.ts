/**
 * A Signer backed by an external signing service, the way a cloud KMS or an HSM gateway works
 * (SECURITY.md, "Keys: replacing the key file with a KMS or HSM", shows the same shape for AWS
 * KMS): the private key never enters the issuing process; the issuer hashes the JWS signing
 * input, the service signs the SHA-256 digest and answers a DER-encoded ECDSA signature, which
 * is converted to the JOSE r||s form.
 *
 * `startFakeKms()` is the stand-in service for tests: a loopback HTTP server holding a P-256 key
 * (@noble/curves signs the digest as a KMS does with MessageType DIGEST).
 */
import { createHash, createPublicKey } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { p256 } from '@noble/curves/p256';
import type { Signer } from '../../src/issuer/index.js';
import type { PublicJwk } from '../../src/lib/keys/jwk.js';

/** DER ECDSA-Sig-Value (SEQUENCE { r INTEGER, s INTEGER }) → JOSE r||s of 2 × `size` bytes. */
export function derToJose(der: Uint8Array, size = 32): Uint8Array {
  let i = 0;
  const expect = (tag: number) => {
    if (der[i++] !== tag) throw new Error('not a DER ECDSA signature');
  };
  const length = () => {
    let len = der[i++]!;
    if (len & 0x80) {
      const n = len & 0x7f;
      len = 0;
      for (let k = 0; k < n; k++) len = (len << 8) | der[i++]!;
    }
    return len;
  };
  expect(0x30);
  length();
  const int = () => {
    expect(0x02);
    const len = length();
    let v = der.subarray(i, i + len);
    i += len;
    while (v.length > size && v[0] === 0) v = v.subarray(1); // the sign byte
    if (v.length > size) throw new Error('ECDSA integer too long');
    const out = new Uint8Array(size);
    out.set(v, size - v.length);
    return out;
  };
  const r = int();
  const s = int();
  const jose = new Uint8Array(2 * size);
  jose.set(r, 0);
  jose.set(s, size);
  return jose;
}

export interface RemoteSignerOptions {
  /** Base URL of the signing service. */
  endpoint: string;
  keyId: string;
  /** The verification method to put in the JWS header (a did:key / did:web URL, or a JWKS URL), or how to derive it from the public key. */
  kid: string | ((publicJwk: PublicJwk) => string);
}

/** An ES256 Signer whose private key stays in the signing service. */
export async function createRemoteSigner(o: RemoteSignerOptions): Promise<Signer> {
  const res = await fetch(`${o.endpoint}/keys/${encodeURIComponent(o.keyId)}/public`);
  if (!res.ok) throw new Error(`signing service: ${res.status}`);
  const spki = Buffer.from(((await res.json()) as { spki: string }).spki, 'base64');
  const publicJwk = createPublicKey({ key: spki, format: 'der', type: 'spki' }).export({ format: 'jwk' }) as PublicJwk;
  return Object.freeze({
    alg: 'ES256' as const,
    kid: typeof o.kid === 'string' ? o.kid : o.kid(publicJwk),
    publicJwk,
    async sign(data: Uint8Array): Promise<Uint8Array> {
      const digest = createHash('sha256').update(data).digest();
      const r = await fetch(`${o.endpoint}/keys/${encodeURIComponent(o.keyId)}/sign`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ digest: digest.toString('base64'), algorithm: 'ECDSA_SHA_256' }) });
      if (!r.ok) throw new Error(`signing service: ${r.status}`);
      return derToJose(Buffer.from(((await r.json()) as { signature: string }).signature, 'base64'));
    },
  });
}

export interface FakeKms {
  endpoint: string;
  keyId: string;
  /** How many signatures it made. */
  signatures: () => number;
  close(): Promise<void>;
}

export async function startFakeKms(): Promise<FakeKms> {
  const keyId = 'issuer-es256';
  const secret = p256.utils.randomPrivateKey();
  const point = p256.getPublicKey(secret, false); // 0x04 || x || y
  const spki = createPublicKey({ key: { kty: 'EC', crv: 'P-256', x: Buffer.from(point.subarray(1, 33)).toString('base64url'), y: Buffer.from(point.subarray(33)).toString('base64url') }, format: 'jwk' }).export({ format: 'der', type: 'spki' });
  let count = 0;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.method === 'GET' && req.url === `/keys/${keyId}/public`) {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ spki: spki.toString('base64') }));
      } else if (req.method === 'POST' && req.url === `/keys/${keyId}/sign`) {
        const { digest } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { digest: string };
        const sig = p256.sign(Buffer.from(digest, 'base64'), secret, { lowS: false });
        count++;
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ signature: Buffer.from(sig.toDERRawBytes()).toString('base64') }));
      } else {
        res.writeHead(404).end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    keyId,
    signatures: () => count,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
