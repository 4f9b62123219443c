/**
 * `ajv/dist/2020.js` in the browser bundle. Ajv compiles schemas to code with `new Function`,
 * which the pages' Content-Security-Policy (script-src 'self', no 'unsafe-eval') forbids. So
 * every schema the verifier compiles is compiled at build time instead (scripts/build-web.mjs
 * records the `compile` calls of the real Ajv and emits standalone validators); here `compile`
 * only looks the validator up. A schema that was not seen at build time is a build bug: it
 * throws, loudly, rather than validating nothing.
 */
import { PRECOMPILED } from 'microcred-build:ajv-validators';
import { schemaKey } from '../../../lib/schema-key.js';

export type { ErrorObject, ValidateFunction } from 'ajv/dist/2020.js';

type Validator = ((data: unknown) => boolean) & { errors?: unknown };

export class Ajv2020 {
  readonly opts: Record<string, unknown>;

  constructor(options: Record<string, unknown> = {}) {
    this.opts = { ...options, code: {} };
  }

  compile(schema: unknown): Validator {
    const validate = PRECOMPILED.get(schemaKey(this.opts, (this as { microcredFormats?: readonly string[] }).microcredFormats ?? [], schema));
    if (!validate) throw new Error('microcred browser build: this JSON Schema was not precompiled at build time (rebuild with npm run build:web)');
    return validate;
  }

  /** Formats are compiled into the precompiled validators; nothing to add at run time. */
  addFormat(): this {
    return this;
  }

  addKeyword(): this {
    return this;
  }
}

export default Ajv2020;
