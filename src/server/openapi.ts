/** The service's OpenAPI 3.1 description, served at /openapi.json. */
export function openApiDocument(baseUrl: string): Record<string, unknown> {
  const problem = { description: 'RFC 9457 problem details', content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } } };
  const errors = { '400': problem, '401': problem, '403': problem, '404': problem, '409': problem, '415': problem, '422': problem, '429': problem };
  const json = (schema: Record<string, unknown>, description = 'OK') => ({ description, content: { 'application/json': { schema } } });
  const uuid = { name: 'uuid', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } };
  const paging = [
    { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 100, default: 20 } },
    { name: 'offset', in: 'query', schema: { type: 'integer', minimum: 0, default: 0 } },
  ];
  const bearer = (scope: string) => [{ bearer: [scope] }];
  const stateChange = (action: string) => ({
    post: {
      summary: `${action} a credential`,
      security: bearer('revoke'),
      parameters: [uuid],
      requestBody: { content: { 'application/json': { schema: { type: 'object', properties: { reason: { type: 'string', maxLength: 500 } }, required: action === 'unsuspend' ? [] : ['reason'] } } } },
      responses: { '200': json({ $ref: '#/components/schemas/CredentialSummary' }), ...errors },
    },
  });
  return {
    openapi: '3.1.0',
    info: { title: 'microcred issuer service', version: '1', description: 'Issue, publish and revoke Open Badges 3.0 micro-credentials (VC-JWT).' },
    servers: [{ url: baseUrl }],
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'API token (mc_…) from `microcred tokens create`; scopes issue, revoke, admin (admin implies all)' }, oid4vciAccessToken: { type: 'http', scheme: 'bearer', description: 'OpenID4VCI access token from /oid4vci/token' } },
      schemas: {
        Problem: { type: 'object', required: ['type', 'title', 'status', 'code', 'detail'], properties: { type: { type: 'string' }, title: { type: 'string' }, status: { type: 'integer' }, code: { type: 'string' }, detail: { type: 'string' }, problems: { type: 'array', items: { type: 'object', properties: { path: { type: 'string' }, message: { type: 'string' }, code: { type: 'string' } } } }, correlationId: { type: 'string' } } },
        CredentialSummary: { type: 'object', properties: { id: { type: 'string' }, achievementId: { type: 'string' }, achievementVersion: { type: 'integer' }, learner: { type: ['string', 'null'], description: 'the learner name the credential shows in the clear (identityType name, hashed false); null when it shows none' }, state: { enum: ['active', 'revoked', 'suspended'] }, stateReason: { type: ['string', 'null'] }, issuedAt: { type: 'string', format: 'date-time' }, verificationUrl: { type: 'string', format: 'uri' } } },
        IssueRequest: { type: 'object', required: ['achievementId', 'credentialSubject'], properties: { achievementId: { type: 'string' }, achievementVersion: { type: 'integer', minimum: 1 }, credentialSubject: { type: 'object', description: 'id and/or identifier (plaintext identifiers are salted and hashed), creditsEarned, result, activity dates, qualityBenchmarkRecord' }, evidence: { type: 'array', items: { type: 'object' } }, validFrom: { type: 'string', format: 'date-time' }, validUntil: { type: 'string', format: 'date-time' }, awardedDate: { type: 'string', format: 'date-time' } } },
        Achievement: { type: 'object', description: 'An OB 3.0 Achievement (name, description, criteria, creditsAvailable, alignment, resultDescription, qualityBenchmark…). Optional `id`: a slug.' },
      },
    },
    paths: {
      '/health': { get: { summary: 'liveness', responses: { '200': json({ type: 'object' }) } } },
      '/ready': { get: { summary: 'readiness (database reachable)', responses: { '200': json({ type: 'object' }), '503': problem } } },
      '/.well-known/jwks.json': { get: { summary: 'the issuer keys (active, retired, and compromised ones marked revoked)', responses: { '200': { description: 'JWK Set', content: { 'application/jwk-set+json': {} } } } } },
      '/.well-known/did.json': { get: { summary: 'DID document (did:web issuers only)', responses: { '200': { description: 'DID document', content: { 'application/did+json': {} } }, '404': problem } } },
      '/issuer': { get: { summary: 'the issuer Profile; when the issuer id is this service\'s /issuer, also the controller document of its keys (assertionMethod lists /keys/{id} of every key not compromised)', responses: { '200': { description: 'Profile', content: { 'application/ld+json': {} } } } } },
      '/keys/{id}.jwk': { get: { summary: 'a key\'s bare public JWK: what a VC-JWT kid names (marked revoked when compromised)', parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }], responses: { '200': { description: 'JWK', content: { 'application/jwk+json': {} } }, '404': problem } } },
      '/keys/{id}': { get: { summary: 'a key as a Multikey verification method (Data Integrity proofs), marked revoked when compromised; only when the issuer id is this service\'s /issuer', parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }], responses: { '200': { description: 'Multikey', content: { 'application/ld+json': {} } }, '404': problem } } },
      '/status/{listId}/{purpose}': { get: { summary: 'a signed BitstringStatusListCredential (VC-JWT); ETag and short max-age', parameters: [{ name: 'listId', in: 'path', required: true, schema: { type: 'string' } }, { name: 'purpose', in: 'path', required: true, schema: { enum: ['revocation', 'suspension'] } }], responses: { '200': { description: 'compact JWS', content: { 'application/vc+jwt': {} } }, '304': { description: 'not modified' }, '404': problem } } },
      '/contexts/qb/v1.jsonld': { get: { summary: 'the quality-benchmark extension JSON-LD context', responses: { '200': { description: 'context' } } } },
      '/schemas/qb/v1.json': { get: { summary: 'the quality-benchmark extension JSON Schema', responses: { '200': { description: 'schema' } } } },
      '/achievements/{id}/v{version}': { get: { summary: 'a published achievement version (the id inside issued credentials)', parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }, { name: 'version', in: 'path', required: true, schema: { type: 'integer' } }], responses: { '200': { description: 'Achievement' }, '404': problem } } },
      '/credentials/{uuid}': { get: { summary: 'HTML page of a credential', parameters: [uuid], responses: { '200': { description: 'HTML', content: { 'text/html': {} } }, '404': problem } } },
      '/api/v1/achievements': {
        get: { summary: 'list achievements (latest versions)', parameters: paging, responses: { '200': json({ type: 'object', properties: { items: { type: 'array' }, total: { type: 'integer' } } }), ...errors } },
        post: { summary: 'create an achievement', security: bearer('admin'), requestBody: { required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/Achievement' } } } }, responses: { '201': json({ type: 'object' }, 'created'), ...errors } },
      },
      '/api/v1/achievements/{id}': {
        get: { summary: 'the latest version', parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }], responses: { '200': json({ type: 'object' }), ...errors } },
        put: { summary: 'edit: in place while unused, else a new version (issued credentials keep theirs)', security: bearer('admin'), parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }], requestBody: { required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/Achievement' } } } }, responses: { '200': json({ type: 'object' }), ...errors } },
      },
      '/api/v1/achievements/{id}/versions/{version}': { get: { summary: 'one version', parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }, { name: 'version', in: 'path', required: true, schema: { type: 'integer' } }], responses: { '200': json({ type: 'object' }), ...errors } } },
      '/api/v1/credentials': {
        post: { summary: 'issue a credential', security: bearer('issue'), parameters: [{ name: 'Idempotency-Key', in: 'header', schema: { type: 'string', maxLength: 200 }, description: 'retrying with the same key and body returns the same credential (200)' }], requestBody: { required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/IssueRequest' } } } }, responses: { '201': json({ type: 'object', properties: { id: { type: 'string' }, credential: { type: 'object' }, jwt: { type: 'string' }, warnings: { type: 'array' }, verificationUrl: { type: 'string' } } }, 'issued'), '200': json({ type: 'object' }, 'idempotent replay'), ...errors } },
        get: { summary: 'list issued credentials', security: bearer('issue'), parameters: [...paging, { name: 'achievementId', in: 'query', schema: { type: 'string' } }, { name: 'state', in: 'query', schema: { enum: ['active', 'revoked', 'suspended'] } }, { name: 'since', in: 'query', schema: { type: 'string', format: 'date-time' } }, { name: 'learner', in: 'query', description: 'part of the learner name (any case), or an exact identifier: email, student id, APAAR id or DID (any case, spaces ignored)', schema: { type: 'string', minLength: 1, maxLength: 200 } }], responses: { '200': json({ type: 'object', properties: { items: { type: 'array', items: { $ref: '#/components/schemas/CredentialSummary' } }, total: { type: 'integer' } } }), ...errors } },
      },
      '/api/v1/credentials/{uuid}': { get: { summary: 'the credential: JSON (application/vc+ld+json), the JWT (text/plain or the .jwt suffix) or HTML', parameters: [uuid], responses: { '200': { description: 'credential', content: { 'application/vc+ld+json': {}, 'application/json': {}, 'text/plain': {}, 'text/html': {} } }, '404': problem, '406': problem } } },
      '/api/v1/credentials/{uuid}/status': { get: { summary: 'state and reason at the issuer', security: bearer('issue'), parameters: [uuid], responses: { '200': json({ $ref: '#/components/schemas/CredentialSummary' }), ...errors } } },
      '/api/v1/credentials/{uuid}/revoke': stateChange('revoke'),
      '/api/v1/credentials/{uuid}/suspend': stateChange('suspend'),
      '/api/v1/credentials/{uuid}/unsuspend': stateChange('unsuspend'),
      '/api/v1/keys': { get: { summary: 'signing keys (public parts and states)', security: bearer('admin'), responses: { '200': json({ type: 'object' }), ...errors } } },
      '/api/v1/keys/rotate': { post: { summary: 'make a new active key; the old one is retired and stays published', security: bearer('admin'), responses: { '201': json({ type: 'object' }), ...errors } } },
      '/api/v1/keys/{id}/compromise': { post: { summary: 'mark a retired key compromised: credentials it signed stop verifying (MC_KEY_COMPROMISED)', security: bearer('admin'), parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }], responses: { '200': json({ type: 'object' }), ...errors } } },
      '/api/v1/tokens': { post: { summary: 'create an API token (shown once)', security: bearer('admin'), requestBody: { required: true, content: { 'application/json': { schema: { type: 'object', required: ['scopes'], properties: { scopes: { type: 'array', items: { enum: ['issue', 'revoke', 'admin'] } }, label: { type: 'string' } } } } } }, responses: { '201': json({ type: 'object' }), ...errors } } },
      '/api/v1/verify': VERIFY_PATH,
      '/verify': { get: { summary: 'the verification page for credentials that did not come from a link (verified in the browser)', responses: { '200': { description: 'HTML' } } } },
      '/v/{code}/{digest}': { get: { summary: 'the verification page behind a QR code (server-side verdict, works without JavaScript)', parameters: [{ name: 'code', in: 'path', required: true, schema: { type: 'string' } }, { name: 'digest', in: 'path', required: true, schema: { type: 'string' } }, { name: 'recipient', in: 'query', schema: { type: 'string' } }, { name: 'type', in: 'query', schema: { type: 'string' } }], responses: { '200': { description: 'HTML' }, '404': problem } } },
      '/api/v1/credentials/{uuid}/qr.svg': { get: { summary: 'QR code of the verification link', parameters: [uuid], responses: { '200': { description: 'SVG', content: { 'image/svg+xml': {} } } } } },
      '/api/v1/credentials/{uuid}/qr.png': { get: { summary: 'QR code of the verification link', parameters: [uuid], responses: { '200': { description: 'PNG', content: { 'image/png': {} } } } } },
      '/api/v1/credentials/{uuid}/certificate.pdf': { get: { summary: 'printable certificate with the QR code', parameters: [uuid], responses: { '200': { description: 'PDF', content: { 'application/pdf': {} } } } } },
      '/api/v1/audit': { get: { summary: 'the append-only audit log', security: bearer('admin'), parameters: paging, responses: { '200': json({ type: 'object' }), ...errors } } },
      '/api/v1/credentials/{uuid}/offers': {
        post: {
          summary: 'OpenID4VCI: create a single-use wallet offer (pre-authorized code) that re-issues the credential bound to the wallet key; the PIN is returned once',
          security: bearer('issue'),
          parameters: [uuid],
          requestBody: { content: { 'application/json': { schema: { type: 'object', properties: { txCode: { type: 'boolean', default: true, description: 'require a 6-digit PIN (send it to the learner by another channel)' }, expiresInSec: { type: 'integer', minimum: 1, maximum: 2592000, default: 604800 } } } } } },
          responses: { '201': json({ type: 'object', required: ['id', 'offerUri', 'offerUrl', 'walletPageUrl', 'expiresAt'], properties: { id: { type: 'string' }, credentialId: { type: 'string' }, offerUri: { type: 'string', description: 'openid-credential-offer://?credential_offer_uri=…' }, offerUrl: { type: 'string', format: 'uri' }, txCode: { type: 'string', pattern: '^[0-9]{6}$' }, walletPageUrl: { type: 'string', format: 'uri' }, expiresAt: { type: 'string', format: 'date-time' } } }, 'created'), ...errors },
        },
      },
      '/api/v1/credentials/{uuid}/badge.png': { get: { summary: 'baked badge: the credential inside the badge image (PNG iTXt)', parameters: [uuid], responses: { '200': { description: 'PNG', content: { 'image/png': {} } }, '404': problem } } },
      '/api/v1/credentials/{uuid}/badge.svg': { get: { summary: 'baked badge: the credential inside the badge image (SVG)', parameters: [uuid], responses: { '200': { description: 'SVG', content: { 'image/svg+xml': {} } }, '404': problem } } },
      // Registrar console (issue #8): the page, and the endpoints it added.
      '/console': { get: { summary: 'the registrar console (HTML shell, strict CSP): achievements with live lint, cohort uploads, credential search, revoke/suspend; signs in with an API token kept in sessionStorage', responses: { '200': { description: 'HTML', content: { 'text/html': {} } } } } },
      '/api/v1/lint': {
        post: {
          summary: 'check without saving or signing: {"achievement": {…}} (achievement mode: the achievement linted with a placeholder learner; rules that read learner data are marked perLearner, achievementOk leaves them aside), or an issuance request with achievementId (a stored achievement) or an inline achievement and credentialSubject (request mode: exactly what issuing checks; the issuer is always this service). Optional "profiles": extra profile ids to evaluate',
          security: bearer('issue'),
          requestBody: { required: true, content: { 'application/json': { schema: { type: 'object', properties: { achievement: { $ref: '#/components/schemas/Achievement' }, achievementId: { type: 'string' }, achievementVersion: { type: 'integer', minimum: 1 }, credentialSubject: { type: 'object' }, profiles: { type: 'array', maxItems: 20, items: { type: 'string' } } } } } } },
          responses: {
            '200': json({ type: 'object', required: ['mode', 'ok', 'problems', 'benchmark'], properties: { mode: { enum: ['achievement', 'request'] }, ok: { type: 'boolean', description: 'could be issued: no problem, no failed error rule of the base rules or a declared profile' }, achievementOk: { type: 'boolean', description: 'achievement mode: ok, leaving aside per-learner rules' }, problems: { type: 'array', items: { type: 'object', properties: { path: { type: 'string' }, message: { type: 'string' }, code: { type: 'string' } } } }, benchmark: { type: ['object', 'null'], description: 'declared, unknown, reports (profile, name, version, status, rules: id, status, severity, message, detail, perLearner), ok' }, credential: { type: ['object', 'null'], description: 'the unsigned credential as it would be built' } } }),
            ...errors,
          },
        },
      },
      '/api/v1/profiles': { get: { summary: 'the quality-benchmark profiles and their rules (id, name, version, description, base, rules: id, severity, confidence, message)', responses: { '200': json({ type: 'object', properties: { items: { type: 'array', items: { type: 'object' } } } }), '429': problem } } },
      '/api/v1/tokens/current': { get: { summary: 'the token in the Authorization header: id, label, scopes (any valid token; the secret is never returned)', security: [{ bearer: [] }], responses: { '200': json({ type: 'object', properties: { id: { type: 'string' }, label: { type: 'string' }, scopes: { type: 'array', items: { enum: ['issue', 'revoke', 'admin'] } }, createdAt: { type: 'string', format: 'date-time' } } }), '401': problem } } },
      ...OID4VCI_PATHS,
    },
  };
}

/** OpenID4VCI 1.0 endpoints (also accepting draft 13 to 15 request shapes). Errors are OAuth-style `{error, error_description}`. */
const OAUTH_ERROR = { description: 'OAuth 2.0 / OpenID4VCI error', content: { 'application/json': { schema: { type: 'object', required: ['error'], properties: { error: { type: 'string' }, error_description: { type: 'string' }, c_nonce: { type: 'string' }, c_nonce_expires_in: { type: 'integer' } } } } } };
const secretParam = { name: 'secret', in: 'path', required: true, schema: { type: 'string', pattern: '^[A-Za-z0-9_-]{43}$' } };
const OID4VCI_PATHS = {
  '/.well-known/openid-credential-issuer': { get: { summary: 'OpenID4VCI Credential Issuer Metadata (jwt_vc_json OpenBadgeCredential; holder binding did:key, did:jwk, jwk)', responses: { '200': { description: 'metadata', content: { 'application/json': {} } } } } },
  '/.well-known/oauth-authorization-server': { get: { summary: 'OAuth 2.0 Authorization Server Metadata (pre-authorized code grant, anonymous access)', responses: { '200': { description: 'metadata', content: { 'application/json': {} } } } } },
  '/oid4vci/offers/{secret}': { get: { summary: 'a Credential Offer by reference (single use; 410 once used or expired)', parameters: [secretParam], responses: { '200': { description: 'Credential Offer', content: { 'application/json': {} } }, '404': OAUTH_ERROR, '410': OAUTH_ERROR } } },
  '/oid4vci/token': {
    post: {
      summary: 'token endpoint: pre-authorized code (+ tx_code, or the draft user_pin) for an access token; also returns c_nonce for draft wallets',
      requestBody: { required: true, content: { 'application/x-www-form-urlencoded': { schema: { type: 'object', required: ['grant_type', 'pre-authorized_code'], properties: { grant_type: { const: 'urn:ietf:params:oauth:grant-type:pre-authorized_code' }, 'pre-authorized_code': { type: 'string' }, tx_code: { type: 'string' }, user_pin: { type: 'string' }, resource: { type: 'string' } } } } } },
      responses: { '200': { description: 'access token', content: { 'application/json': { schema: { type: 'object', properties: { access_token: { type: 'string' }, token_type: { const: 'Bearer' }, expires_in: { type: 'integer' }, c_nonce: { type: 'string' }, c_nonce_expires_in: { type: 'integer' } } } } } }, '400': OAUTH_ERROR, '429': OAUTH_ERROR },
    },
  },
  '/oid4vci/nonce': { post: { summary: 'nonce endpoint: a fresh single-use c_nonce for key proofs', responses: { '200': { description: 'nonce', content: { 'application/json': { schema: { type: 'object', properties: { c_nonce: { type: 'string' }, c_nonce_expires_in: { type: 'integer' } } } } } } } } },
  '/oid4vci/credential': {
    post: {
      summary: 'credential endpoint: 1.0 {credential_configuration_id, proofs: {jwt: [...]}} → {credentials: [{credential}]}; drafts {format, credential_definition, proof} → {credential, format, c_nonce}',
      security: [{ oid4vciAccessToken: [] }],
      requestBody: { required: true, content: { 'application/json': { schema: { type: 'object' } } } },
      responses: { '200': { description: 'the credential (a VC-JWT) bound to the holder DID', content: { 'application/json': {} } }, '400': OAUTH_ERROR, '401': OAUTH_ERROR },
    },
  },
  '/wallet/{secret}': { get: { summary: "the learner's page for a wallet offer: QR code, openid-credential-offer:// link, downloads", parameters: [secretParam], responses: { '200': { description: 'HTML' }, '404': { description: 'HTML' } } } },
};

const VERIFY_PATH = {
  post: {
    summary: 'verify a credential (compact JWS, JSON, or baked image contents); returns the verification report with a verdict',
    requestBody: {
      required: true,
      content: {
        'application/json': { schema: { type: 'object', required: ['credential'], properties: { credential: { oneOf: [{ type: 'string' }, { type: 'object' }] }, recipient: { type: 'object', properties: { identifier: { type: 'string' }, identityType: { type: 'string' } }, required: ['identifier'] } } } },
        'text/plain': { schema: { type: 'string', description: 'a compact JWS' } },
      },
    },
    responses: {
      '200': { description: 'the report: {verdict: verified | not-verified | could-not-check, verified, format, credential, checks[], recipientMatches?}', content: { 'application/json': {} } },
      '400': { description: 'problem details', content: { 'application/problem+json': {} } },
      '415': { description: 'problem details', content: { 'application/problem+json': {} } },
      '429': { description: 'problem details', content: { 'application/problem+json': {} } },
    },
  },
};

/** The verifier-only service's OpenAPI description. */
export function openApiVerifierDocument(baseUrl: string): Record<string, unknown> {
  return {
    openapi: '3.1.0',
    info: { title: 'microcred verifier', version: '1', description: 'Verify Open Badges 3.0 credentials from any issuer.' },
    servers: [{ url: baseUrl }],
    paths: { '/api/v1/verify': VERIFY_PATH, '/verify': { get: { summary: 'the verification page (paste, upload, scan)', responses: { '200': { description: 'HTML' } } } } },
  };
}
