/**
 * Baked badges (OB 3.0 §Baked Badge): a credential carried inside the recipient's PNG or SVG
 * award image. Shared by the issuer (baking) and the verifier (unbaking): imports neither.
 *
 * Errors are MicrocredErrors: MC_BAKED_INVALID (not a usable PNG/SVG: bad signature or CRC,
 * truncated, malformed XML, DOCTYPE with entity declarations), MC_BAKED_NOT_FOUND (a valid
 * image without a baked credential), MC_INPUT_TOO_LARGE (over the limits),
 * MC_INPUT_UNRECOGNIZED (neither PNG nor SVG; or, when baking, a credential that is neither a
 * compact JWS nor a JSON object).
 */
import { MicrocredError } from '../errors.js';
import { sniffImage, type BakingLimits, type ImageFormat } from './common.js';
import { unbakePng } from './png.js';
import { unbakeSvg } from './svg.js';

export { bakePng, unbakePng, countCredentialChunks } from './png.js';
export { bakeSvg, unbakeSvg, countCredentialElements } from './svg.js';
export {
  DEFAULT_MAX_CREDENTIAL_BYTES,
  DEFAULT_MAX_IMAGE_BYTES,
  OB3_SVG_NAMESPACE,
  PNG_KEYWORD,
  PNG_SIGNATURE,
  hasPngSignature,
  sniffImage,
  type BakingLimits,
  type ImageFormat,
} from './common.js';

export interface Unbaked {
  /** The image the credential came from. */
  format: ImageFormat;
  /** The baked text, trimmed: a compact JWS or a JSON credential (not verified). */
  credential: string;
}

/**
 * Take the credential out of a baked PNG (recognised by its 8-byte signature) or SVG (text
 * starting with an XML prolog, a comment, a DOCTYPE or `<svg`).
 */
export function unbake(image: Uint8Array | string, limits?: BakingLimits): Unbaked {
  const format = sniffImage(image);
  if (format === 'png') return { format, credential: unbakePng(image as Uint8Array, limits) };
  if (format === 'svg') return { format, credential: unbakeSvg(image, limits) };
  throw new MicrocredError('MC_INPUT_UNRECOGNIZED', 'not a PNG or SVG image');
}
