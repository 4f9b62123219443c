/**
 * Errors of the issuer service: the HTTP layer maps them to problem details (RFC 9457), the CLI
 * to its one-line form. `code` is the stable problem code. A module of its own, so the CLI can
 * recognise one without loading the service.
 */
export class ServiceError extends Error {
  constructor(
    readonly status: 400 | 401 | 403 | 404 | 409 | 410 | 413 | 415 | 422 | 429,
    readonly code: string,
    message: string,
    readonly problems: Array<{ path: string; message: string; code?: string }> = [],
  ) {
    super(message);
    this.name = 'ServiceError';
  }
}
