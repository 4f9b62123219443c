#!/usr/bin/env node
/**
 * Builds the browser bundle of the /verify page: dist/web/verify-page.js (+ .map).
 *
 * The verifier (src/verifier and what it imports) is bundled unchanged. What only exists in
 * Node is swapped at bundle time, never edited in the sources:
 *
 *   node:crypto   → src/web/browser/shims/crypto.ts  (@noble/curves, @noble/hashes)
 *   node:zlib     → src/web/browser/shims/zlib.ts    (fflate, with maxOutputLength)
 *   Buffer        → src/web/browser/shims/buffer.ts  (`buffer` + base64url), injected
 *   node:fs       → a generated, read-only file system holding contexts/ and profiles/
 *                   (the only files the verifier reads); `import.meta.url` of each project
 *                   source becomes a file: URL inside it, so the modules' own path logic works
 *   src/lib/net/guarded-fetch.ts → src/web/browser/fetch.ts (window.fetch, same exports)
 *   ajv/dist/2020.js, ajv-formats → precompiled validators. Ajv compiles with `new Function`,
 *                   which the pages' CSP forbids, so this script loads the verifier in Node,
 *                   records every schema it compiles, and emits Ajv standalone code for them.
 *                   The same validators go to dist/model/schema/precompiled/ as CommonJS, for
 *                   Node processes to skip compiling them (src/model/schema/precompiled.ts).
 *
 * Any other Node built-in in the graph fails the build. Usage: node scripts/build-web.mjs
 *
 * Also builds the registrar console's script (GET /console): dist/web/console.js (+ .map) from
 * src/web/browser/console.ts. It talks to the API only and imports no Node code, so it is
 * bundled plainly: any Node built-in in its graph fails the build.
 */
import * as esbuild from 'esbuild';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SRC = path.join(ROOT, 'src');
const BROWSER = path.join(SRC, 'web/browser');
const SHIMS = path.join(BROWSER, 'shims');
const ENTRY = path.join(BROWSER, 'verify-page.ts');
const VERIFIER = path.join(SRC, 'verifier/index.ts');
const OUT_DIR = path.join(ROOT, 'dist/web');
const OUT_FILE = path.join(OUT_DIR, 'verify-page.js');
const CONSOLE_ENTRY = path.join(BROWSER, 'console.ts');
const CONSOLE_OUT_FILE = path.join(OUT_DIR, 'console.js');
const CACHE_DIR = path.join(ROOT, 'node_modules/.cache/microcred-web');
/** Node's loader of precompiled validators, and where the build writes them for it. */
const NODE_PRECOMPILED_MODULE = path.join(SRC, 'model/schema/precompiled.ts');
const NODE_PRECOMPILED_DIR = path.join(ROOT, 'dist/model/schema/precompiled');

/** Project files the bundle carries (read through the virtual node:fs). */
const EMBEDDED_DIRS = ['contexts', 'profiles'];
/** Where the virtual file system puts the project root. */
const VIRTUAL_ROOT = 'file:///microcred/';

/** Project modules replaced wholesale in the browser (source → stand-in), relative to ROOT. */
const REPLACED_MODULES = new Map([
  ['src/lib/net/guarded-fetch.ts', 'src/web/browser/fetch.ts'],
  ['src/model/schema/precompiled.ts', 'src/web/browser/precompiled.ts'],
]);

/** Node built-ins and the browser stand-ins for them. `null`: generated below. */
const BUILTINS = new Map([
  ['crypto', path.join(SHIMS, 'crypto.ts')],
  ['zlib', path.join(SHIMS, 'zlib.ts')],
  ['buffer', path.join(SHIMS, 'buffer.ts')],
  ['fs', null],
]);

/** Packages replaced in the browser bundle. */
const PACKAGE_SHIMS = new Map([
  ['ajv/dist/2020.js', path.join(SHIMS, 'ajv2020.ts')],
  ['ajv/dist/2020', path.join(SHIMS, 'ajv2020.ts')],
  ['ajv-formats', path.join(SHIMS, 'ajv-formats.ts')],
]);

const rel = (p) => path.relative(ROOT, p).split(path.sep).join('/');
const kib = (n) => `${(n / 1024).toFixed(1)} KiB`;

/**
 * Rewrites `import.meta.url` (iife output has no import.meta): each module gets the file: URL
 * `urlOf` gives its path. Project sources and dependencies alike (e.g. credentials-context
 * records the URL of each context file it embeds).
 */
function importMetaPlugin(urlOf, { dependencies }) {
  const loaders = { '.ts': 'ts', '.mts': 'ts', '.cts': 'ts', '.js': 'js', '.mjs': 'js', '.cjs': 'js' };
  return {
    name: 'microcred-import-meta',
    setup(build) {
      build.onLoad({ filter: /\.[cm]?[jt]s$/ }, (args) => {
        if (args.namespace !== 'file' || !(args.path.startsWith(SRC + path.sep) || (dependencies && args.path.includes(`${path.sep}node_modules${path.sep}`)))) return undefined;
        const text = readFileSync(args.path, 'utf8');
        if (!/\bimport\.meta\b/.test(text)) return undefined;
        return { contents: text.replace(/\bimport\.meta\.url\b/g, JSON.stringify(urlOf(args.path))), loader: loaders[path.extname(args.path)], resolveDir: path.dirname(args.path) };
      });
    },
  };
}

/** The read-only file system of the bundle: contexts/ and profiles/, as text. */
function embeddedFilesModule() {
  const files = {};
  for (const dir of EMBEDDED_DIRS) {
    for (const name of readdirSync(path.join(ROOT, dir)).sort()) {
      const full = path.join(ROOT, dir, name);
      if (!statSync(full).isFile()) continue;
      let text = readFileSync(full, 'utf8');
      // Whitespace only: every consumer parses these as JSON.
      if (/\.json(ld)?$/.test(name)) text = JSON.stringify(JSON.parse(text));
      files[`${dir}/${name}`] = text;
    }
  }
  return `import { Buffer } from ${JSON.stringify(path.join(SHIMS, 'buffer.ts'))};
const FILES = new Map(Object.entries(${JSON.stringify(files)}));
const ROOT = ${JSON.stringify(new URL(VIRTUAL_ROOT).pathname)};
function keyOf(p) {
  const s = p instanceof URL ? p.pathname : String(p).startsWith('file:') ? new URL(String(p)).pathname : String(p);
  return decodeURIComponent(s).startsWith(ROOT) ? decodeURIComponent(s).slice(ROOT.length) : null;
}
function fail(code, syscall, p) {
  const e = new Error(code + ': ' + (code === 'ENOENT' ? 'no such file or directory' : 'not a directory') + ', ' + syscall + " '" + String(p) + "' (browser bundle: only contexts/ and profiles/ are embedded)");
  e.code = code; e.syscall = syscall; e.path = String(p);
  return e;
}
export function readFileSync(p, options) {
  const k = keyOf(p);
  if (k === null || !FILES.has(k)) throw fail('ENOENT', 'open', p);
  const encoding = typeof options === 'string' ? options : options && options.encoding;
  return encoding ? FILES.get(k) : Buffer.from(FILES.get(k), 'utf8');
}
export function readdirSync(p) {
  let k = keyOf(p);
  if (k === null) throw fail('ENOENT', 'scandir', p);
  if (k !== '' && !k.endsWith('/')) k += '/';
  const names = [...FILES.keys()].filter((f) => f.startsWith(k)).map((f) => f.slice(k.length).split('/')[0]);
  if (names.length === 0) throw fail(FILES.has(k.slice(0, -1)) ? 'ENOTDIR' : 'ENOENT', 'scandir', p);
  return [...new Set(names)].sort();
}
export function existsSync(p) {
  const k = keyOf(p);
  return k !== null && (FILES.has(k) || [...FILES.keys()].some((f) => f.startsWith(k.endsWith('/') ? k : k + '/')));
}
export default { readFileSync, readdirSync, existsSync };
`;
}

/**
 * Load the verifier in Node with a recording Ajv and return standalone code for every schema it
 * compiles, keyed as the browser shim looks them up (src/web/browser/shims/ajv-key.ts).
 */
async function precompileSchemas() {
  mkdirSync(CACHE_DIR, { recursive: true });
  const recorderFile = path.join(CACHE_DIR, 'ajv-recorder.mjs');
  const RECORDS = 'microcred.ajvRecords';
  const recorderSource = `
import { Ajv2020 as RealAjv2020 } from 'ajv/dist/2020.js';
import { schemaKey } from ${JSON.stringify(path.join(SRC, 'lib/schema-key.ts'))};
const records = (globalThis[Symbol.for(${JSON.stringify(RECORDS)})] ??= []);
export class Ajv2020 extends RealAjv2020 {
  constructor(options = {}) {
    super({ ...options, code: { ...(options.code ?? {}), source: true, esm: true } });
    this.microcredOptions = options;
  }
  compile(schema, meta) {
    const validate = super.compile(schema, meta);
    records.push({ key: schemaKey(this.microcredOptions, this.microcredFormats ?? [], schema), ajv: this, validate });
    return validate;
  }
}
export default Ajv2020;
`;
  // The formats list is part of a validator's key: noted on the instance, then the real plugin runs.
  const formatsRecorderSource = `
import realAddFormats from 'ajv-formats';
export default function addFormats(ajv, formats) {
  ajv.microcredFormats = formats ?? [];
  return (realAddFormats.default ?? realAddFormats)(ajv, formats);
}
`;
  await esbuild.build({
    stdin: { contents: `import ${JSON.stringify(VERIFIER)};`, resolveDir: ROOT, loader: 'ts', sourcefile: 'recorder-entry.ts' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    outfile: recorderFile,
    logLevel: 'error',
    plugins: [
      importMetaPlugin((file) => pathToFileURL(file).href, { dependencies: false }),
      {
        name: 'microcred-ajv-recorder',
        setup(build) {
          // Project code gets the recorder; the recorder itself gets the real Ajv.
          build.onResolve({ filter: /^ajv\/dist\/2020(\.js)?$/ }, (args) => (args.namespace === 'microcred-recorder' ? { path: 'ajv/dist/2020.js', external: true } : { path: 'ajv-recorder', namespace: 'microcred-recorder' }));
          build.onResolve({ filter: /^ajv-formats$/ }, (args) => (args.namespace === 'microcred-recorder' ? { path: 'ajv-formats', external: true } : { path: 'ajv-formats-recorder', namespace: 'microcred-recorder' }));
          build.onLoad({ filter: /.*/, namespace: 'microcred-recorder' }, (args) => ({ contents: args.path === 'ajv-formats-recorder' ? formatsRecorderSource : recorderSource, loader: 'js', resolveDir: ROOT }));
          // The recorder must compile every schema: the build's own precompiled validators stay out.
          build.onResolve({ filter: /\/precompiled\.js$/ }, (args) =>
            path.resolve(args.resolveDir, args.path.replace(/\.js$/, '.ts')) === NODE_PRECOMPILED_MODULE ? { path: path.join(BROWSER, 'precompiled.ts') } : undefined,
          );
        },
      },
    ],
  });
  globalThis[Symbol.for(RECORDS)] = [];
  await import(`${pathToFileURL(recorderFile).href}?t=${Date.now()}`);
  const records = globalThis[Symbol.for(RECORDS)];
  if (!records.length) throw new Error('build-web: the verifier compiled no JSON Schema at load time; the Ajv recorder is out of date');
  const { default: standalone } = await import('ajv/dist/standalone/index.js');
  const standaloneCode = standalone.default ?? standalone;
  const validators = new Map();
  const nodeValidators = new Map();
  for (const r of records) {
    if (validators.has(r.key)) continue;
    validators.set(r.key, standaloneCode(r.ajv, r.validate));
    // The same validator as CommonJS, for Node to load synchronously (src/model/schema/precompiled.ts).
    const esm = r.ajv.opts.code.esm;
    r.ajv.opts.code.esm = false;
    nodeValidators.set(r.key, standaloneCode(r.ajv, r.validate));
    r.ajv.opts.code.esm = esm;
  }
  // Kept for inspection only; the bundle gets them through virtual modules.
  [...validators.values()].forEach((code, i) => writeFileSync(path.join(CACHE_DIR, `ajv-validator-${i}.mjs`), code));
  writeNodeValidators(nodeValidators);
  return validators;
}

/** How Ajv standalone code names ajv-formats' formats (set by the ajv-formats plugin), and what the Node validators use instead. */
const FULL_FORMATS = 'require("ajv-formats/dist/formats").fullFormats';
const FORMATS_FILE = 'formats.cjs';
/**
 * ajv-formats' full formats, each verdict remembered per string in a bounded table (short strings only). Format checks
 * are pure functions of the string, and a cohort's credentials carry the same dates and URIs over
 * and over: the date-time check alone cost about a microsecond per credential. Each format keeps
 * the form Ajv compiled a call for (function, { validate } or RegExp).
 */
const FORMATS_MODULE = `'use strict';
// Generated by scripts/build-web.mjs: ajv-formats' full formats, each verdict remembered per value.
const { fullFormats } = require('ajv-formats/dist/formats');
// At most LIMIT values per format, each of at most LONGEST characters: a table of hostile input stays small.
const LIMIT = 4096;
const LONGEST = 256;
function remember(check) {
  const seen = new Map();
  return function rememberedFormat(value) {
    if (typeof value !== 'string' || value.length > LONGEST) return check(value);
    let verdict = seen.get(value);
    if (verdict === undefined) {
      verdict = check(value);
      if (seen.size >= LIMIT) seen.clear();
      seen.set(value, verdict);
    }
    return verdict;
  };
}
for (const name of Object.keys(fullFormats)) {
  const f = fullFormats[name];
  if (typeof f === 'function') exports[name] = remember(f);
  else if (f && typeof f === 'object' && typeof f.validate === 'function' && !f.async) exports[name] = Object.assign({}, f, { validate: remember(f.validate) });
  else exports[name] = f;
}
`;

/** dist/model/schema/precompiled/: one CommonJS module per validator and an index by key. */
function writeNodeValidators(nodeValidators) {
  rmSync(NODE_PRECOMPILED_DIR, { recursive: true, force: true });
  mkdirSync(NODE_PRECOMPILED_DIR, { recursive: true });
  const entries = [...nodeValidators.entries()];
  entries.forEach(([, code], i) => {
    // Format checks go through formats.cjs, which remembers each verdict per string.
    const remembered = code.split(FULL_FORMATS).join(`require("./${FORMATS_FILE}")`);
    if (remembered.includes('ajv-formats')) throw new Error(`build-web: validator ${i} refers to ajv-formats other than as ${FULL_FORMATS}; update the rewrite`);
    writeFileSync(path.join(NODE_PRECOMPILED_DIR, `v${i}.cjs`), remembered);
  });
  writeFileSync(path.join(NODE_PRECOMPILED_DIR, FORMATS_FILE), FORMATS_MODULE);
  // The Ajv version that generated them: code from another version is not used (its runtime helpers may differ).
  const { version: ajvVersion } = JSON.parse(readFileSync(path.join(ROOT, 'node_modules/ajv/package.json'), 'utf8'));
  writeFileSync(
    path.join(NODE_PRECOMPILED_DIR, 'index.cjs'),
    `'use strict';\n// Generated by scripts/build-web.mjs: Ajv standalone validators by schema key (src/lib/schema-key.ts).\nexports.ajvVersion = ${JSON.stringify(ajvVersion)};\nexports.validators = {\n${entries.map(([key], i) => `  ${JSON.stringify(key)}: () => require('./v${i}.cjs'),`).join('\n')}\n};\n`,
  );
}

function virtualModulesPlugin(validators) {
  const keys = [...validators.keys()];
  return {
    name: 'microcred-virtual',
    setup(build) {
      build.onResolve({ filter: /^microcred-build:/ }, (args) => ({ path: args.path, namespace: 'microcred-build' }));
      build.onLoad({ filter: /.*/, namespace: 'microcred-build' }, (args) => {
        if (args.path === 'microcred-build:fs') return { contents: embeddedFilesModule(), loader: 'js', resolveDir: ROOT };
        if (args.path === 'microcred-build:ajv-validators') {
          return {
            contents: `${keys.map((_, i) => `import v${i} from 'microcred-build:ajv-validator/${i}';`).join('\n')}
export const PRECOMPILED = new Map([${keys.map((k, i) => `[${JSON.stringify(k)}, v${i}]`).join(', ')}]);`,
            loader: 'js',
            resolveDir: ROOT,
          };
        }
        const m = /^microcred-build:ajv-validator\/(\d+)$/.exec(args.path);
        if (m) return { contents: validators.get(keys[Number(m[1])]), loader: 'js', resolveDir: ROOT };
        return undefined;
      });
    },
  };
}

function browserShimsPlugin() {
  return {
    name: 'microcred-browser-shims',
    setup(build) {
      // Node built-ins: a shim, or a build error naming the importer.
      build.onResolve({ filter: /^(node:)?[a-z_/]+$/ }, (args) => {
        const name = args.path.replace(/^node:/, '');
        const isBuiltin = args.path.startsWith('node:') || BUILTINS.has(name);
        if (!isBuiltin) return undefined;
        // Bare `buffer` from a dependency means the npm package (the shim imports it too).
        if (!args.path.startsWith('node:') && name === 'buffer') return undefined;
        if (!args.path.startsWith('node:') && !args.importer.startsWith(SRC + path.sep)) return undefined;
        if (!BUILTINS.has(name)) return { errors: [{ text: `the Node built-in "${args.path}" has no browser stand-in (imported by ${rel(args.importer)})` }] };
        const target = BUILTINS.get(name);
        return target ? { path: target } : { path: `microcred-build:${name}`, namespace: 'microcred-build' };
      });
      build.onResolve({ filter: /^ajv(-formats)?(\/|$)/ }, (args) => {
        const shim = PACKAGE_SHIMS.get(args.path);
        if (shim && args.importer !== shim) return { path: shim };
        return undefined;
      });
      // Project modules replaced wholesale.
      build.onResolve({ filter: /^\.\.?\// }, (args) => {
        if (!args.importer.startsWith(SRC + path.sep)) return undefined;
        const target = rel(path.resolve(args.resolveDir, args.path.replace(/\.js$/, '.ts')));
        const replacement = REPLACED_MODULES.get(target);
        return replacement && path.join(ROOT, replacement) !== args.importer ? { path: path.join(ROOT, replacement) } : undefined;
      });
    },
  };
}

async function main() {
  const started = Date.now();
  const validators = await precompileSchemas();
  // dist/web also holds tsc's output for src/web: replace only this script's files.
  mkdirSync(OUT_DIR, { recursive: true });
  for (const f of [OUT_FILE, `${OUT_FILE}.map`]) rmSync(f, { force: true });
  const result = await esbuild.build({
    entryPoints: [ENTRY],
    bundle: true,
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
    minify: true,
    sourcemap: 'linked',
    sourcesContent: true,
    outfile: OUT_FILE,
    metafile: true,
    charset: 'utf8',
    logLevel: 'silent',
    inject: [path.join(SHIMS, 'buffer.ts')],
    define: { global: 'globalThis', 'process.env.NODE_ENV': '"production"' },
    plugins: [importMetaPlugin((file) => new URL(rel(file), VIRTUAL_ROOT).href, { dependencies: true }), virtualModulesPlugin(validators), browserShimsPlugin()],
  });
  for (const w of result.warnings) console.warn(`build-web: warning: ${w.text}${w.location ? ` (${w.location.file}:${w.location.line})` : ''}`);

  const code = readFileSync(OUT_FILE);
  // The pages' CSP has no 'unsafe-eval': code generation at run time would fail there.
  // The setImmediate polyfill (pulled in by jsonld) compiles only string callbacks, which nothing passes.
  const text = code.toString('utf8').replace(/typeof (\w+)!="function"&&\(\1=new Function\(""\+\1\)\)/g, '');
  const evalUses = [...text.matchAll(/\bnew Function\(|[^.\w]eval\(/g)].length;
  const inputs = Object.entries(result.metafile.outputs[rel(OUT_FILE)]?.inputs ?? {});
  const byPackage = new Map();
  for (const [file, info] of inputs) {
    const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(file);
    const key = m ? m[1] : file.startsWith('microcred-build:') ? (file.includes('ajv') ? '(precompiled schemas)' : '(embedded files)') : file.startsWith('src/') ? `src/${file.split('/')[1]}` : file;
    byPackage.set(key, (byPackage.get(key) ?? 0) + info.bytesInOutput);
  }
  const top = [...byPackage.entries()].sort((a, b) => b[1] - a[1]).slice(0, 10);
  console.log(`build-web: ${rel(OUT_FILE)} ${kib(code.length)} (gzip ${kib(gzipSync(code, { level: 9 }).length)}), ${validators.size} precompiled schema(s), ${Date.now() - started} ms`);
  console.log(`build-web: largest parts: ${top.map(([k, v]) => `${k} ${kib(v)}`).join(', ')}`);
  if (evalUses > 0) {
    console.error(`build-web: the bundle contains ${evalUses} use(s) of eval/new Function, which the pages' CSP blocks`);
    process.exitCode = 1;
  }
  if (!existsSync(`${OUT_FILE}.map`)) throw new Error('build-web: source map missing');
  await buildConsole();
}

/** The registrar console's script: browser code only (no shims, no embedded files). */
async function buildConsole() {
  const started = Date.now();
  for (const f of [CONSOLE_OUT_FILE, `${CONSOLE_OUT_FILE}.map`]) rmSync(f, { force: true });
  await esbuild.build({
    entryPoints: [CONSOLE_ENTRY],
    bundle: true,
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
    minify: true,
    sourcemap: 'linked',
    sourcesContent: true,
    outfile: CONSOLE_OUT_FILE,
    charset: 'utf8',
    logLevel: 'silent',
    plugins: [
      {
        name: 'microcred-console-no-node',
        setup(build) {
          build.onResolve({ filter: /^node:/ }, (args) => ({ errors: [{ text: `the console script may not import "${args.path}" (imported by ${rel(args.importer)})` }] }));
        },
      },
    ],
  });
  const code = readFileSync(CONSOLE_OUT_FILE);
  if ([...code.toString('utf8').matchAll(/\bnew Function\(|[^.\w]eval\(/g)].length > 0) {
    console.error('build-web: the console script uses eval/new Function, which the pages\' CSP blocks');
    process.exitCode = 1;
  }
  console.log(`build-web: ${rel(CONSOLE_OUT_FILE)} ${kib(code.length)} (gzip ${kib(gzipSync(code, { level: 9 }).length)}), ${Date.now() - started} ms`);
}

main().catch((e) => {
  if (e?.errors?.length) for (const err of e.errors) console.error(`build-web: ${err.text}${err.location ? ` (${err.location.file}:${err.location.line})` : ''}`);
  else console.error(e);
  process.exit(1);
});
