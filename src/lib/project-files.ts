import { readFileSync } from 'node:fs';

// Same depth from src/lib and dist/lib, so this resolves to the package's contexts/ either way.
const CONTEXTS_DIR = new URL('../../contexts/', import.meta.url);

/** Read one of the project's published documents (extension context or schema) from `contexts/`. */
export function readContextsFile(name: string): unknown {
  return JSON.parse(readFileSync(new URL(name, CONTEXTS_DIR), 'utf8')) as unknown;
}
