/** OpenID for Verifiable Credential Issuance (issuer side): protocol logic, no HTTP framework. */
export { Oid4vciError, type Oid4vciErrorCode } from './errors.js';
export {
  BINDING_METHODS,
  CONFIGURATION_FORMATS,
  JWT_CONFIGURATION_ID,
  PRE_AUTHORIZED_CODE_GRANT,
  PROOF_ALGORITHMS,
  PROOF_JWT_TYP,
  authorizationServerMetadata,
  credentialIssuerMetadata,
  credentialOffer,
  credentialOfferUri,
  endpointsOf,
} from './metadata.js';
export { verifyProofJwt, type ProofCheckOptions, type VerifiedProof } from './proof.js';
export { parseCredentialRequest, parseTokenRequest, type CredentialRequest, type TokenRequest } from './requests.js';
export { DEFAULT_LIMITS, Oid4vciService, reissueBody, type CreatedOffer, type Oid4vciDeps, type Oid4vciLimits, type OfferView } from './service.js';
export { SECRET_PATTERN } from './secrets.js';
