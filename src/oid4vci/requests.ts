/**
 * Parsing of token and credential requests into one normalised shape, accepting OpenID4VCI 1.0
 * and the shapes of drafts 13 to 15 that deployed wallets still send:
 *
 * - token: `tx_code` (1.0, draft 13+) or `user_pin` (drafts up to 12);
 * - credential: `credential_configuration_id` (1.0, draft 15) or `format` with
 *   `credential_definition.type` (drafts 13, 14) or `types` (draft 12); `proofs: {jwt: [..]}`
 *   (1.0, draft 14+) or a singular `proof: {proof_type: 'jwt', jwt}` (drafts up to 15).
 *
 * The response shape follows the request: a configuration id gets 1.0's `credentials` array; a
 * `format` request gets the draft `credential` (with `format` and a fresh `c_nonce`).
 */
import { Oid4vciError } from './errors.js';
import { CONFIGURATION_FORMATS, OPEN_BADGE_TYPES, PRE_AUTHORIZED_CODE_GRANT } from './metadata.js';

export interface TokenRequest {
  preAuthorizedCode: string;
  /** The transaction code, from `tx_code` or the draft `user_pin`; null when absent or empty. */
  txCode: string | null;
  /** RFC 8707 resource indicator, when given. */
  resource: string | null;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** The token request parameters (form-encoded: every value a string; a repeated one is refused). */
export function parseTokenRequest(params: Record<string, unknown>): TokenRequest {
  for (const [k, v] of Object.entries(params)) {
    if (typeof v !== 'string') throw new Oid4vciError(400, 'invalid_request', `parameter ${k} must be given once, as a string`);
  }
  const grantType = str(params.grant_type);
  if (!grantType) throw new Oid4vciError(400, 'invalid_request', 'grant_type is required');
  if (grantType !== PRE_AUTHORIZED_CODE_GRANT) throw new Oid4vciError(400, 'unsupported_grant_type', `only the ${PRE_AUTHORIZED_CODE_GRANT} grant is supported`);
  const code = str(params['pre-authorized_code']);
  if (!code) throw new Oid4vciError(400, 'invalid_request', 'pre-authorized_code is required');
  const txCode = str(params.tx_code) || undefined;
  const userPin = str(params.user_pin) || undefined;
  if (txCode !== undefined && userPin !== undefined && txCode !== userPin) throw new Oid4vciError(400, 'invalid_request', 'tx_code and user_pin differ');
  return { preAuthorizedCode: code, txCode: txCode ?? userPin ?? null, resource: str(params.resource) ?? null };
}

export interface CredentialRequest {
  /** Which protocol version's response the wallet expects. */
  shape: 'v1' | 'draft';
  /** The credential configuration asked for (resolved from the format for draft requests). */
  configurationId: string;
  /** The one JWT key proof, or null when the request has none. */
  proofJwt: string | null;
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

function requestedTypes(body: Record<string, unknown>): unknown {
  if (isObject(body.credential_definition)) return body.credential_definition.type ?? body.credential_definition.types;
  return body.types;
}

export function parseCredentialRequest(body: unknown): CredentialRequest {
  if (!isObject(body)) throw new Oid4vciError(400, 'invalid_credential_request', 'the credential request must be a JSON object');
  if (body.credential_response_encryption !== undefined) throw new Oid4vciError(400, 'invalid_encryption_parameters', 'this issuer does not encrypt credential responses');
  const hasId = body.credential_configuration_id !== undefined;
  const hasFormat = body.format !== undefined;
  if (body.credential_identifier !== undefined) {
    if (hasId || hasFormat) throw new Oid4vciError(400, 'invalid_credential_request', 'give one of credential_identifier, credential_configuration_id or format');
    throw new Oid4vciError(400, 'unknown_credential_identifier', 'this issuer issues no credential identifiers; use credential_configuration_id');
  }
  if (hasId && hasFormat) throw new Oid4vciError(400, 'invalid_credential_request', 'give credential_configuration_id or format, not both');
  let shape: CredentialRequest['shape'];
  let configurationId: string;
  if (hasId) {
    if (typeof body.credential_configuration_id !== 'string') throw new Oid4vciError(400, 'invalid_credential_request', 'credential_configuration_id must be a string');
    if (!(body.credential_configuration_id in CONFIGURATION_FORMATS)) {
      throw new Oid4vciError(400, 'unknown_credential_configuration', `unknown credential configuration ${JSON.stringify(body.credential_configuration_id.slice(0, 100))}`);
    }
    shape = 'v1';
    configurationId = body.credential_configuration_id;
  } else if (hasFormat) {
    const ids = Object.keys(CONFIGURATION_FORMATS).filter((id) => CONFIGURATION_FORMATS[id] === body.format);
    if (ids.length === 0) throw new Oid4vciError(400, 'unsupported_credential_format', `the format ${JSON.stringify(String(body.format).slice(0, 50))} is not issued here (supported: ${[...new Set(Object.values(CONFIGURATION_FORMATS))].join(', ')})`);
    const types = requestedTypes(body);
    if (!Array.isArray(types) || !types.every((t) => typeof t === 'string') || !types.includes('OpenBadgeCredential') || !types.every((t) => (OPEN_BADGE_TYPES as readonly string[]).includes(t))) {
      throw new Oid4vciError(400, 'unsupported_credential_type', `this issuer issues ${OPEN_BADGE_TYPES.join(' + ')} (credential_definition.type)`);
    }
    shape = 'draft';
    configurationId = ids[0]!;
  } else {
    throw new Oid4vciError(400, 'invalid_credential_request', 'name the credential with credential_configuration_id');
  }

  if (body.proof !== undefined && body.proofs !== undefined) throw new Oid4vciError(400, 'invalid_credential_request', 'give proof or proofs, not both');
  let proofJwt: string | null = null;
  if (body.proofs !== undefined) {
    if (!isObject(body.proofs)) throw new Oid4vciError(400, 'invalid_credential_request', 'proofs must be an object such as {"jwt": ["…"]}');
    const kinds = Object.keys(body.proofs);
    if (kinds.length !== 1) throw new Oid4vciError(400, 'invalid_credential_request', 'proofs must hold exactly one proof type');
    if (kinds[0] !== 'jwt') throw new Oid4vciError(400, 'invalid_proof', `the proof type ${JSON.stringify(kinds[0]!.slice(0, 50))} is not supported (use jwt)`);
    const list = body.proofs.jwt;
    if (!Array.isArray(list) || list.length === 0) throw new Oid4vciError(400, 'invalid_credential_request', 'proofs.jwt must be a non-empty array');
    if (list.length > 1) throw new Oid4vciError(400, 'invalid_credential_request', 'batch issuance is not supported: send one proof');
    if (typeof list[0] !== 'string') throw new Oid4vciError(400, 'invalid_proof', 'proofs.jwt must hold compact JWS strings');
    proofJwt = list[0];
  } else if (body.proof !== undefined) {
    if (!isObject(body.proof)) throw new Oid4vciError(400, 'invalid_credential_request', 'proof must be an object such as {"proof_type": "jwt", "jwt": "…"}');
    if (body.proof.proof_type !== 'jwt') throw new Oid4vciError(400, 'invalid_proof', 'the proof_type must be jwt');
    if (typeof body.proof.jwt !== 'string') throw new Oid4vciError(400, 'invalid_proof', 'proof.jwt must be a compact JWS string');
    proofJwt = body.proof.jwt;
  }
  return { shape, configurationId, proofJwt };
}
