/** microcred/issuer: build, check and sign Open Badges 3.0 micro-credentials. */
export { issueCredential, ISSUE_FORMATS, type IssueOptions, type IssuedCredential, type IssueFormat } from './issue.js';
export { issueCredentials, type IssueManyResult } from './issue-many.js';
export { signCredentialDataIntegrity, type SignedCredential, type DataIntegrityProofObject } from './di/sign.js';
export { checkBuiltCredential } from './check.js';
export { lintRequest, type LintOptions, type LintReport } from './lint.js';
export { buildCredential, prepareAchievement, type Credential, type BuildOptions } from './build.js';
export { jwtPayload, signCredentialJwt } from './jwt/sign.js';
export { createLocalSigner, type Signer } from './signer.js';
export { generateKey, type GeneratedKey, type PrivateJwk } from './keys/generate.js';
export { loadPrivateKeyFile, parsePrivateJwk, type LoadKeyOptions } from './keys/load.js';
export { issuerIdentifiersForKey, type IssuerIdentifier } from './keys/identifiers.js';
export { checkRequestShape, type IssuanceRequest, type RecipientIdentifierInput, type IdentityObject } from './request.js';
export { SUPPORTED_ALGORITHMS, type JwsAlgorithm } from '../lib/jws/algorithms.js';
export { MicrocredError, type Problem, type MicrocredErrorCode } from '../errors.js';
export { buildStatusListCredential, signStatusListCredential, statusEntries, type StatusListInput, type StatusPurpose } from './status-list.js';
export { signJwtPayload } from './jwt/sign.js';
