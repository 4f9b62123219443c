import { generateKey, type PrivateJwk } from '../issuer/keys/generate.js';
import { createLocalSigner, type Signer } from '../issuer/signer.js';
import type { JwsAlgorithm } from '../lib/jws/algorithms.js';
import { jwkThumbprint, toPublicJwk } from '../lib/keys/jwk.js';
import { multikeyFromJwk } from '../lib/did/did-key.js';
import { StorageConflictError, type Storage, type StoredKey } from '../storage/types.js';
import type { Kek } from './kek.js';

/**
 * The issuer's keys: one active key signs; retired keys stay published so that everything
 * signed earlier still verifies; compromised keys stay published marked `revoked`, so
 * verifiers can refuse them with a clear code instead of "key not found".
 */
export class Keyring {
  private signers = new Map<string, Signer>();

  constructor(
    private readonly storage: Storage,
    private readonly kek: Kek,
    private readonly issuerId: string,
    private readonly baseUrl: string,
  ) {}

  #learnerKey: Buffer | undefined;

  /** The key of the learner search tokens (service/learner.ts): derived from the KEK, so a database copy alone cannot test a guess. */
  learnerSearchKey(): Buffer {
    return (this.#learnerKey ??= this.kek.derive('microcred learner search v1'));
  }

  /**
   * The `kid` of a key: a DID URL under a did:web issuer, else `$BASE_URL/keys/<id>.jwk`, which
   * serves the bare public JWK. OB 3.0 says a kid dereferences to a JWK, and the 1EdTech validator
   * reads `kty` at the top of whatever the kid URL returns, so a key inside a JWK Set
   * (`/.well-known/jwks.json#<id>`, the kid before 2026-12-08, which microcred's verifier still
   * reads) fails there.
   */
  kidFor(keyId: string): string {
    return this.issuerId.startsWith('did:web:') ? `${this.issuerId}#${keyId}` : `${this.baseUrl}/keys/${keyId}.jwk`;
  }

  /**
   * A key as published, in the JWK Set and alone: its `kid` is the kid the JWTs carry, so a JOSE
   * verifier that looks the header's kid up in the set (as OB 3.0's implementation guide says,
   * and as jose's createRemoteJWKSet does) finds it. Marked `revoked` when compromised.
   */
  private published(k: StoredKey): Record<string, unknown> {
    return { ...k.publicJwk, kid: this.kidFor(k.id), ...(k.state === 'compromised' ? { revoked: k.stateChangedAt ?? k.createdAt } : {}) };
  }

  /**
   * Whether this service serves the issuer id as a controller document (`/issuer`, listing
   * `/keys/<id>` under assertionMethod): only when the issuer id is its own `$BASE_URL/issuer`.
   */
  servesController(): boolean {
    return this.issuerId === `${this.baseUrl}/issuer`;
  }

  /**
   * The verification method of a Data Integrity proof made with a key. A JSON-LD verifier
   * dereferences it, needs a verification method document there, and needs the issuer to be its
   * controller: under a did:web issuer, the kid (a DID URL of the DID document); under this
   * service's own https issuer id, `$BASE_URL/keys/<id>` (a Multikey document whose controller is
   * the issuer id, which lists it); under any other issuer id, the kid.
   */
  dataIntegrityMethodFor(keyId: string): string {
    return this.servesController() ? `${this.baseUrl}/keys/${keyId}` : this.kidFor(keyId);
  }

  /**
   * What `/keys/<name>` serves: for `<id>.jwk` the key's bare public JWK (what a kid names); for
   * `<id>`, when the service is its issuer's controller, the key as a Multikey verification method
   * (what a Data Integrity proof names). Either is marked `revoked` when the key is compromised.
   * Null for an unknown key, or an `<id>` Multikey cannot express (RSA). One place for the route
   * and the service's in-process fetcher.
   */
  async keyDocument(name: string): Promise<{ contentType: string; body: Record<string, unknown> } | null> {
    const jwk = name.endsWith('.jwk');
    if (!jwk && !this.servesController()) return null;
    const id = jwk ? name.slice(0, -'.jwk'.length) : name;
    const key = (await this.storage.listKeys()).find((k) => k.id === id);
    if (!key) return null;
    if (jwk) return { contentType: 'application/jwk+json', body: this.published(key) };
    const multibase = multikeyOf(key);
    if (multibase === null) return null;
    return {
      contentType: 'application/ld+json',
      body: {
        '@context': 'https://w3id.org/security/multikey/v1',
        id: this.dataIntegrityMethodFor(key.id),
        type: 'Multikey',
        controller: this.issuerId,
        publicKeyMultibase: multibase,
        ...(key.state === 'compromised' ? { revoked: key.stateChangedAt ?? key.createdAt } : {}),
      },
    };
  }

  /** The verification methods the issuer id lists under assertionMethod (every key not compromised that Multikey can express); empty unless servesController. */
  async assertionMethods(): Promise<string[]> {
    if (!this.servesController()) return [];
    return (await this.storage.listKeys()).filter((k) => k.state !== 'compromised' && multikeyOf(k) !== null).map((k) => this.dataIntegrityMethodFor(k.id));
  }

  newStoredKey(alg: JwsAlgorithm, at: string): StoredKey {
    const k = generateKey(alg);
    const id = jwkThumbprint(k.publicJwk);
    return { id, alg, publicJwk: { ...toPublicJwk(k.publicJwk), kid: id, alg, use: 'sig' }, encryptedPrivateJwk: this.kek.encrypt(JSON.stringify(k.privateJwk)), state: 'active', createdAt: at, stateChangedAt: null };
  }

  /** Make sure there is an active key (first start). Returns true when one was created. */
  async ensureActiveKey(alg: JwsAlgorithm, at: string): Promise<boolean> {
    const keys = await this.storage.listKeys();
    if (keys.some((k) => k.state === 'active')) return false;
    try {
      await this.storage.insertKey(this.newStoredKey(alg, at));
      return true;
    } catch (e) {
      // Several servers starting on an empty database: the store allows one active key, and
      // whoever lost the race uses the winner's.
      if (e instanceof StorageConflictError && (await this.storage.listKeys()).some((k) => k.state === 'active')) return false;
      throw e;
    }
  }

  async rotate(alg: JwsAlgorithm, at: string): Promise<StoredKey> {
    const next = this.newStoredKey(alg, at);
    await this.storage.rotateKey(next, at);
    return next;
  }

  /** The signer of the active key (decrypted once per process and kept in memory). */
  async activeSigner(): Promise<{ signer: Signer; key: StoredKey }> {
    const key = (await this.storage.listKeys()).find((k) => k.state === 'active');
    if (!key) throw new Error('no active signing key');
    let signer = this.signers.get(key.id);
    if (!signer) {
      signer = createLocalSigner(JSON.parse(this.kek.decrypt(key.encryptedPrivateJwk)) as never, this.kidFor(key.id));
      this.signers.set(key.id, signer);
    }
    return { signer, key };
  }

  /**
   * The active private key, for the batch worker pool only (passed once to worker threads of
   * this process; never logged, stored unencrypted or sent anywhere).
   */
  async activePrivateKeyForWorkers(): Promise<{ privateJwk: PrivateJwk; kid: string; keyId: string }> {
    const key = (await this.storage.listKeys()).find((k) => k.state === 'active');
    if (!key) throw new Error('no active signing key');
    return { privateJwk: JSON.parse(this.kek.decrypt(key.encryptedPrivateJwk)) as PrivateJwk, kid: this.kidFor(key.id), keyId: key.id };
  }

  /**
   * The public JWK Set: active and retired keys, and compromised ones marked `revoked`. Each
   * `kid` is the kid its JWTs carry (before 2026-12-08 it was the thumbprint, and JWTs named
   * `/.well-known/jwks.json#<thumbprint>`; verifiers that match a fragment to a kid can compute
   * the thumbprint instead, as microcred's does).
   */
  async jwks(): Promise<{ keys: Array<Record<string, unknown>> }> {
    return { keys: (await this.storage.listKeys()).map((k) => this.published(k)) };
  }

  /** The did:web DID document, for did:web issuers. */
  async didDocument(): Promise<Record<string, unknown>> {
    const keys = await this.storage.listKeys();
    const methods = keys.map((k) => ({
      id: `${this.issuerId}#${k.id}`,
      type: 'JsonWebKey2020',
      controller: this.issuerId,
      publicKeyJwk: k.publicJwk,
      ...(k.state === 'compromised' ? { revoked: k.stateChangedAt ?? k.createdAt } : {}),
    }));
    return {
      '@context': ['https://www.w3.org/ns/did/v1', 'https://w3id.org/security/suites/jws-2020/v1'],
      id: this.issuerId,
      verificationMethod: methods,
      assertionMethod: methods.filter((m) => !('revoked' in m)).map((m) => m.id),
    };
  }
}

/** A key as a Multikey value (Ed25519, P-256), or null for a key Multikey cannot express (RSA). */
function multikeyOf(key: StoredKey): string | null {
  try {
    return multikeyFromJwk(toPublicJwk(key.publicJwk));
  } catch {
    return null;
  }
}
