/**
 * SVG baking (OB 3.0 §Baked Badge): one `<openbadges:credential>` element in the namespace
 * https://purl.imsglobal.org/ob/v3p0, first child of `<svg>`. A VC-JWT goes in its `verify`
 * attribute (the element stays empty); a JSON credential goes in its body as CDATA.
 *
 * Parsing and serialisation are @xmldom/xmldom's. It never loads external DTDs or entities;
 * on top of that, a DOCTYPE with an internal subset (entity declarations: XXE, entity
 * expansion) is refused outright, and any reference to an undeclared entity is an error.
 * A DOCTYPE with only a public/system identifier (as in the 1EdTech fixtures) is accepted and
 * never fetched.
 */
import { DOMParser, XMLSerializer, type Document, type Element } from '@xmldom/xmldom';
import { MicrocredError } from '../errors.js';
import { OB3_SVG_NAMESPACE, OB3_SVG_PREFIX, checkCredentialSize, checkImageSize, credentialToBake, limitsOf, utf8OrNull, type BakingLimits } from './common.js';

const XMLNS_NAMESPACE = 'http://www.w3.org/2000/xmlns/';
/** OB 2.0 baked SVGs use `<openbadges:assertion>` in this namespace. */
const OB2_SVG_NAMESPACE = 'http://openbadges.org';

const TEXT_NODE = 3;

/** The SVG as text (bytes must be UTF-8), within the size limit, without a BOM. */
function svgText(svg: string | Uint8Array, maxImageBytes: number): string {
  if (typeof svg === 'string') {
    checkImageSize(Buffer.byteLength(svg, 'utf8'), maxImageBytes, 'SVG image');
    return svg.replace(/^\uFEFF/, '');
  }
  if (!(svg instanceof Uint8Array)) throw new MicrocredError('MC_BAKED_INVALID', 'the SVG image must be text or bytes');
  checkImageSize(svg.byteLength, maxImageBytes, 'SVG image');
  const text = utf8OrNull(svg);
  if (text === null) throw new MicrocredError('MC_BAKED_INVALID', 'the SVG is not valid UTF-8 text');
  return text.replace(/^\uFEFF/, '');
}

/** Parse SVG text safely (see the file comment), refusing anything that is not an `<svg>` document. */
function parseSvg(text: string): Document {
  const problems: string[] = [];
  let doc: Document;
  try {
    doc = new DOMParser({
      locator: false,
      onError: (level, message) => {
        if (level !== 'warning') problems.push(message);
      },
    }).parseFromString(text, 'image/svg+xml');
  } catch (e) {
    throw new MicrocredError('MC_BAKED_INVALID', `the SVG is not well-formed XML: ${problems[0] ?? (e as Error).message}`, { cause: e });
  }
  if (doc.doctype && doc.doctype.internalSubset.trim() !== '') {
    throw new MicrocredError('MC_BAKED_INVALID', 'the SVG has a DOCTYPE with an internal subset (entity declarations); such documents are refused');
  }
  if (problems.length) throw new MicrocredError('MC_BAKED_INVALID', `the SVG is not well-formed XML: ${problems[0]}`);
  const root = doc.documentElement;
  if (!root || root.localName !== 'svg') {
    throw new MicrocredError('MC_BAKED_INVALID', `not an SVG image: the root element is ${root ? `<${root.nodeName}>` : 'missing'}`);
  }
  return doc;
}

function credentialElements(doc: Document): Element[] {
  return Array.from(doc.getElementsByTagNameNS(OB3_SVG_NAMESPACE, 'credential'));
}

/**
 * Bake a credential (compact JWS or JSON text) into an SVG document. Any credential already
 * baked in it is replaced: the result has exactly one `<openbadges:credential>`, the first
 * child of `<svg>`. The rest of the document is kept.
 */
export function bakeSvg(svg: string | Uint8Array, credential: string, limits?: BakingLimits): string {
  const { maxImageBytes, maxCredentialBytes } = limitsOf(limits);
  const source = svgText(svg, maxImageBytes);
  const { kind, text } = credentialToBake(credential, maxCredentialBytes);
  const doc = parseSvg(source);
  const root = doc.documentElement!;

  for (const old of credentialElements(doc)) {
    // Baking puts one line break after the element: drop it with the element, so that baking
    // the same credential again gives the same document.
    const next = old.nextSibling;
    if (next && next.nodeType === TEXT_NODE && (next.nodeValue ?? '').startsWith('\n')) {
      if (next.nodeValue === '\n') next.parentNode!.removeChild(next);
      else next.nodeValue = next.nodeValue!.slice(1);
    }
    old.parentNode!.removeChild(old);
  }

  const bound = root.lookupNamespaceURI(OB3_SVG_PREFIX);
  if (bound !== null && bound !== OB3_SVG_NAMESPACE) {
    throw new MicrocredError('MC_BAKED_INVALID', `the SVG binds the prefix "${OB3_SVG_PREFIX}" to ${bound}, not to ${OB3_SVG_NAMESPACE}`);
  }
  root.setAttributeNS(XMLNS_NAMESPACE, `xmlns:${OB3_SVG_PREFIX}`, OB3_SVG_NAMESPACE);

  const element = doc.createElementNS(OB3_SVG_NAMESPACE, `${OB3_SVG_PREFIX}:credential`);
  if (kind === 'jws') {
    element.setAttribute('verify', text);
  } else {
    // "]]>" cannot appear inside one CDATA section: split it across two.
    const parts = text.split(']]>');
    parts.forEach((part, i) => element.appendChild(doc.createCDATASection(`${i > 0 ? '>' : ''}${part}${i < parts.length - 1 ? ']]' : ''}`)));
  }
  root.insertBefore(doc.createTextNode('\n'), root.firstChild);
  root.insertBefore(element, root.firstChild);
  return new XMLSerializer().serializeToString(doc);
}

/**
 * The credential baked into an SVG: from the first element `credential` in the OB 3.0
 * namespace (any prefix), its `verify` attribute, else its text (CDATA). Throws
 * MC_BAKED_NOT_FOUND when there is none.
 */
export function unbakeSvg(svg: string | Uint8Array, limits?: BakingLimits): string {
  const { maxImageBytes, maxCredentialBytes } = limitsOf(limits);
  const doc = parseSvg(svgText(svg, maxImageBytes));
  const element = credentialElements(doc)[0];
  if (!element) {
    const legacy = doc.getElementsByTagNameNS(OB2_SVG_NAMESPACE, 'assertion').length > 0;
    throw new MicrocredError(
      'MC_BAKED_NOT_FOUND',
      legacy
        ? 'the SVG carries an Open Badges 2.0 assertion (<openbadges:assertion>), not an Open Badges 3.0 credential'
        : `the SVG carries no baked credential (no <credential> element in the namespace ${OB3_SVG_NAMESPACE})`,
    );
  }
  const verify = (element.getAttribute('verify') ?? '').trim();
  const credential = verify !== '' ? verify : (element.textContent ?? '').trim();
  if (credential === '') throw new MicrocredError('MC_BAKED_INVALID', 'the baked <credential> element is empty (no verify attribute and no text)');
  checkCredentialSize(Buffer.byteLength(credential, 'utf8'), maxCredentialBytes);
  return credential;
}

/** How many `<credential>` elements in the OB 3.0 namespace an SVG has (for checks and tests). */
export function countCredentialElements(svg: string): number {
  return credentialElements(parseSvg(svg)).length;
}
