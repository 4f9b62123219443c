/**
 * Data Integrity issuance: an `eddsa-rdfc-2022` DataIntegrityProof (VC-DI-EDDSA) made with
 * @digitalbazaar/vc and @digitalbazaar/data-integrity, signed by our own Signer (an Ed25519 key
 * held locally or in a KMS), with `proofPurpose: assertionMethod` and the signer's kid (a
 * did:key `did:key:z6Mk…#z6Mk…` or a did:web DID URL) as the Multikey verification method.
 *
 * JSON-LD contexts come only from the bundled, closed document loader: issuing never fetches a
 * context and fails on one that is not bundled.
 */
import * as vc from '@digitalbazaar/vc';
import { DataIntegrityProof, type DataIntegritySigner } from '@digitalbazaar/data-integrity';
import { cryptosuite as eddsaRdfc2022 } from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import { MicrocredError } from '../../errors.js';
import { CanonicalizationError, canonize, describeJsonLdError } from '../../lib/di/rdfc.js';
import { documentLoader } from '../../lib/jsonld/loader.js';
import type { Credential } from '../build.js';
import type { Signer } from '../signer.js';

/** The only cryptosuite microcred issues with. */
export const DI_CRYPTOSUITE = 'eddsa-rdfc-2022';

export interface DataIntegrityProofObject {
  type: 'DataIntegrityProof';
  created?: string;
  verificationMethod: string;
  cryptosuite: string;
  proofPurpose: 'assertionMethod';
  proofValue: string;
  [member: string]: unknown;
}

export type SignedCredential = Credential & { proof: DataIntegrityProofObject[] };

/** Refuse, with a clear reason, a signer that cannot make an eddsa-rdfc-2022 proof (or a verification method no verifier could find). */
export function assertDataIntegritySigner(signer: Signer, verificationMethod: string = signer.kid): void {
  const jwk = signer.publicJwk;
  if (signer.alg !== 'EdDSA' || jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519') {
    throw new MicrocredError(
      'MC_ALG_UNSUPPORTED',
      `Data Integrity proofs (${DI_CRYPTOSUITE}) need an Ed25519 key, but the signing key is ${signer.alg} (${jwk.kty}${jwk.crv ? ' ' + jwk.crv : ''}); ` +
        'use an Ed25519 key (microcred keys generate --alg EdDSA) or issue with --format jwt',
    );
  }
  // http is accepted as for JWT kids (a development BASE_URL); verifiers refuse plain http unless configured.
  if (!/^(did:|https?:\/\/)/.test(verificationMethod)) {
    throw new MicrocredError('MC_ALG_UNSUPPORTED', `the verification method ${verificationMethod} is neither a DID URL nor an http(s) URL, so no verifier could find the key`);
  }
}

/**
 * The eddsa-rdfc-2022 cryptosuite, with RDFC-1.0 done by src/lib/di (jsonld.js expansion that
 * shares term definitions between context copies: several times faster, byte-identical output,
 * checked against jsonld.canonize in the tests). Everything else is the suite's own.
 */
const cryptosuite = {
  ...eddsaRdfc2022,
  // Always the bundled loader, which is also what vc.issue gets below: jsonld-signatures hands
  // the suite a new wrapper of it on every call, which would defeat the context cache.
  canonize: (input: Record<string, unknown>) => canonize(input, { documentLoader }),
};

/** Adapts our Signer (raw Ed25519 signature over the given bytes) to the Data Integrity signer API. */
function diSigner(signer: Signer, verificationMethod: string): DataIntegritySigner {
  return {
    id: verificationMethod,
    algorithm: 'Ed25519',
    sign: async ({ data }) => (signer.signSync ? signer.signSync(data) : signer.sign(data)),
  };
}

/**
 * Add an eddsa-rdfc-2022 proof to a built, checked credential. The credential is not modified;
 * the result carries `proof` as a one-element array, the shape the OB 3.0 schema requires.
 */
export async function signCredentialDataIntegrity(credential: Credential, signer: Signer, options: { now?: Date; verificationMethod?: string } = {}): Promise<SignedCredential> {
  const verificationMethod = options.verificationMethod ?? signer.kid;
  assertDataIntegritySigner(signer, verificationMethod);
  const suite = new DataIntegrityProof({ signer: diSigner(signer, verificationMethod), cryptosuite, ...(options.now ? { date: options.now } : {}) });
  let signed: Record<string, unknown>;
  try {
    signed = await vc.issue({
      credential: structuredClone(credential) as Record<string, unknown>,
      suite,
      documentLoader: documentLoader as vc.DocumentLoader,
      ...(options.now ? { now: options.now } : {}),
    });
  } catch (e) {
    const failure = e instanceof CanonicalizationError ? { code: e.code, message: e.message } : describeJsonLdError(e);
    const message = failure.code === 'MC_JSONLD_FAILED' ? (e as Error).message : failure.message;
    throw new MicrocredError(failure.code === 'MC_CONTEXT_UNKNOWN' ? 'MC_CONTEXT_UNKNOWN' : 'MC_CREDENTIAL_INVALID', `cannot add a Data Integrity proof: ${message}`, { cause: e });
  }
  const proof = signed.proof as DataIntegrityProofObject | DataIntegrityProofObject[];
  return { ...credential, proof: Array.isArray(proof) ? proof : [proof] } as SignedCredential;
}
