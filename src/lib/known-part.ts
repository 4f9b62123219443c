/**
 * A node of a document whose content is known as JSON text (`key`): deeply frozen and shared by
 * many documents (an issuer's cohort, a verifier's stream of credentials of one achievement), so
 * checks that depend only on content answer for it once per text.
 */
export interface KnownPart {
  node: object;
  key: string;
}
