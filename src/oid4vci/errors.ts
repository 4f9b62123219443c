/**
 * OpenID4VCI / OAuth 2.0 error responses: `{ error, error_description }` JSON with the HTTP
 * status the specifications give (RFC 6749 §5.2 for the token endpoint, RFC 6750 §3.1 for
 * bearer tokens, OpenID4VCI 1.0 §8.3.1.2 for the credential endpoint). Never problem+json.
 */

export type Oid4vciErrorCode =
  // RFC 6749 token endpoint
  | 'invalid_request'
  | 'invalid_client'
  | 'invalid_grant'
  | 'unsupported_grant_type'
  // RFC 8707
  | 'invalid_target'
  // RFC 6750
  | 'invalid_token'
  // OpenID4VCI 1.0 credential endpoint
  | 'invalid_credential_request'
  | 'unknown_credential_configuration'
  | 'unknown_credential_identifier'
  | 'invalid_proof'
  | 'invalid_nonce'
  | 'invalid_encryption_parameters'
  | 'credential_request_denied'
  // drafts 13 to 15
  | 'unsupported_credential_type'
  | 'unsupported_credential_format'
  // generic
  | 'temporarily_unavailable'
  | 'server_error';

export class Oid4vciError extends Error {
  constructor(
    readonly status: 400 | 401 | 404 | 405 | 410 | 413 | 415 | 429 | 500,
    readonly error: Oid4vciErrorCode,
    readonly description: string,
    /** More members of the error body (e.g. a fresh `c_nonce` with invalid_nonce). */
    readonly extra: Record<string, unknown> = {},
  ) {
    super(`${error}: ${description}`);
    this.name = 'Oid4vciError';
  }

  body(): Record<string, unknown> {
    return { error: this.error, error_description: this.description, ...this.extra };
  }

  /** RFC 6750 §3: the WWW-Authenticate challenge of a 401 from the credential endpoint. */
  wwwAuthenticate(): string | null {
    if (this.status !== 401) return null;
    // A header value is visible ASCII: no quotes or backslashes inside the quoted string either.
    const quoted = this.description.replace(/…/g, '...').replace(/[^\x20-\x7e]/g, '').replace(/["\\]/g, "'");
    return `Bearer error="${this.error}", error_description="${quoted}"`;
  }
}
