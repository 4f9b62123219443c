/**
 * The documents a wallet reads before asking for a credential: the Credential Issuer Metadata
 * (OpenID4VCI 1.0 §12.2), the OAuth 2.0 Authorization Server Metadata (RFC 8414, with the
 * OpenID4VCI additions), and the Credential Offer (§4.1).
 *
 * The Credential Issuer Identifier is the service's BASE_URL; the service is its own
 * authorization server (no `authorization_servers`), serving only the pre-authorized code grant.
 */

export const PRE_AUTHORIZED_CODE_GRANT = 'urn:ietf:params:oauth:grant-type:pre-authorized_code';
export const PROOF_JWT_TYP = 'openid4vci-proof+jwt';

/** Key-proof algorithms accepted from wallets (never `none` or HMAC). */
export const PROOF_ALGORITHMS = ['ES256', 'EdDSA'] as const;
export const BINDING_METHODS = ['did:key', 'did:jwk', 'jwk'] as const;

export const OPEN_BADGE_TYPES = ['VerifiableCredential', 'OpenBadgeCredential'] as const;

/**
 * The credential configurations this issuer offers: `jwt_vc_json` (a VC-JWT) always, and
 * `ldp_vc` (JSON with an eddsa-rdfc-2022 Data Integrity proof) when the service signs with an
 * Ed25519 key, the only key type that cryptosuite uses.
 */
export const JWT_CONFIGURATION_ID = 'OpenBadgeCredential_jwt';
export const LDP_CONFIGURATION_ID = 'OpenBadgeCredential_ldp';
export type CredentialFormat = 'jwt_vc_json' | 'ldp_vc';
export const CONFIGURATION_FORMATS: Readonly<Record<string, CredentialFormat>> = Object.freeze({ [JWT_CONFIGURATION_ID]: 'jwt_vc_json', [LDP_CONFIGURATION_ID]: 'ldp_vc' });

export interface MetadataInput {
  /** The Credential Issuer Identifier (BASE_URL, no trailing slash). */
  credentialIssuer: string;
  issuerName: string;
  /** The JWS algorithm(s) credentials are signed with. */
  signingAlgorithms: string[];
  /** Offer ldp_vc too (the service key is Ed25519). */
  dataIntegrity?: boolean;
}

export interface Endpoints {
  token: string;
  nonce: string;
  credential: string;
  offers: string;
}

export function endpointsOf(credentialIssuer: string): Endpoints {
  return {
    token: `${credentialIssuer}/oid4vci/token`,
    nonce: `${credentialIssuer}/oid4vci/nonce`,
    credential: `${credentialIssuer}/oid4vci/credential`,
    offers: `${credentialIssuer}/oid4vci/offers`,
  };
}

export function credentialIssuerMetadata(input: MetadataInput): Record<string, unknown> {
  const e = endpointsOf(input.credentialIssuer);
  const display = [
    {
      name: 'Open Badge micro-credential',
      locale: 'en',
      description: `An Open Badges 3.0 micro-credential from ${input.issuerName}`,
      background_color: '#0b57d0',
      text_color: '#ffffff',
    },
  ];
  return {
    credential_issuer: input.credentialIssuer,
    credential_endpoint: e.credential,
    nonce_endpoint: e.nonce,
    // Drafts up to 13 (and some wallets) read the token endpoint here instead of the AS metadata.
    token_endpoint: e.token,
    display: [{ name: input.issuerName, locale: 'en' }],
    credential_configurations_supported: {
      [JWT_CONFIGURATION_ID]: {
        format: 'jwt_vc_json',
        credential_definition: { type: [...OPEN_BADGE_TYPES] },
        cryptographic_binding_methods_supported: [...BINDING_METHODS],
        credential_signing_alg_values_supported: input.signingAlgorithms,
        proof_types_supported: { jwt: { proof_signing_alg_values_supported: [...PROOF_ALGORITHMS] } },
        // 1.0 keeps display under credential_metadata; drafts 13 to 15 read it here.
        credential_metadata: { display },
        display,
      },
      ...(input.dataIntegrity
        ? {
            [LDP_CONFIGURATION_ID]: {
              format: 'ldp_vc',
              credential_definition: { '@context': ['https://www.w3.org/ns/credentials/v2', 'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json'], type: [...OPEN_BADGE_TYPES] },
              cryptographic_binding_methods_supported: [...BINDING_METHODS],
              credential_signing_alg_values_supported: ['eddsa-rdfc-2022'],
              proof_types_supported: { jwt: { proof_signing_alg_values_supported: [...PROOF_ALGORITHMS] } },
              credential_metadata: { display },
              display,
            },
          }
        : {}),
    },
  };
}

export function authorizationServerMetadata(credentialIssuer: string): Record<string, unknown> {
  return {
    issuer: credentialIssuer,
    token_endpoint: endpointsOf(credentialIssuer).token,
    grant_types_supported: [PRE_AUTHORIZED_CODE_GRANT],
    // Only the token endpoint: there is no authorization endpoint, so no response types.
    response_types_supported: [],
    token_endpoint_auth_methods_supported: ['none'],
    'pre-authorized_grant_anonymous_access_supported': true,
  };
}

export interface OfferInput {
  credentialIssuer: string;
  configurationId: string;
  preAuthorizedCode: string;
  txCode: { length: number; description: string } | null;
}

/** The Credential Offer object (§4.1.1), as served by reference. */
export function credentialOffer(input: OfferInput): Record<string, unknown> {
  return {
    credential_issuer: input.credentialIssuer,
    credential_configuration_ids: [input.configurationId],
    grants: {
      [PRE_AUTHORIZED_CODE_GRANT]: {
        'pre-authorized_code': input.preAuthorizedCode,
        ...(input.txCode ? { tx_code: { input_mode: 'numeric', length: input.txCode.length, description: input.txCode.description } } : {}),
      },
    },
  };
}

/** `openid-credential-offer://?credential_offer_uri=…` (§4.1.3, offer by reference). */
export function credentialOfferUri(offerUrl: string): string {
  return `openid-credential-offer://?credential_offer_uri=${encodeURIComponent(offerUrl)}`;
}
