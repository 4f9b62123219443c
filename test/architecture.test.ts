/**
 * Architecture rule: the verifier never imports issuer code (nor the CLI, the HTTP server or
 * storage), so an employer or wallet can embed `microcred/verifier` alone.
 *
 * The import graph is walked with the TypeScript compiler API (`ts.preProcessFile` finds static
 * imports, `export … from`, `import type`, `import()` and `require()`), following relative
 * specifiers transitively. Dynamic imports whose specifier is not a string literal cannot be
 * followed, so they are reported as violations too.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const FORBIDDEN_DIRS = ['src/issuer/', 'src/cli/', 'src/server/', 'src/storage/'];
/** Where the build writes the schema validators the verifier loads (src/model/schema/precompiled.ts). */
const GENERATED_VALIDATORS = 'dist/model/schema/precompiled/';
const PACKAGE_NAME = (JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { name: string }).name;

interface Violation {
  /** Import chain from the entry, as root-relative paths (the last one is the offender). */
  chain: string[];
  reason: string;
}

interface Walk {
  /** Every file reached, root-relative, in discovery order. */
  files: string[];
  violations: Violation[];
}

const rel = (root: string, file: string): string => path.relative(root, file).split(path.sep).join('/');

function isFile(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

/** NodeNext resolution of a relative specifier to a source file: `./x.js` → `./x.ts`, etc. */
function resolveRelative(fromFile: string, specifier: string): string | null {
  const base = path.resolve(path.dirname(fromFile), specifier);
  const swaps: Array<[string, string[]]> = [
    ['.js', ['.ts', '.tsx', '.js']],
    ['.jsx', ['.tsx', '.jsx']],
    ['.mjs', ['.mts', '.mjs']],
    ['.cjs', ['.cts', '.cjs']],
  ];
  const candidates: string[] = [];
  for (const [ext, replacements] of swaps) {
    if (base.endsWith(ext)) candidates.push(...replacements.map((r) => base.slice(0, -ext.length) + r));
  }
  // Extensionless or directory specifiers do not work under NodeNext at runtime, but follow them
  // anyway so the walk never silently stops at one.
  candidates.push(base, `${base}.ts`, `${base}.tsx`, path.join(base, 'index.ts'));
  return candidates.find(isFile) ?? null;
}

/** `import(expr)` / `require(expr)` whose argument is not a plain string: the walker cannot follow it. */
function unfollowableImports(fileName: string, text: string): string[] {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isCallExpression(node)) {
      const isDynamicImport = node.expression.kind === ts.SyntaxKind.ImportKeyword;
      const isRequire = ts.isIdentifier(node.expression) && node.expression.text === 'require';
      const arg = node.arguments[0];
      if ((isDynamicImport || isRequire) && arg !== undefined && !ts.isStringLiteralLike(arg)) {
        const { line } = source.getLineAndCharacterOfPosition(node.getStart());
        found.push(`line ${line + 1}: ${node.getText().slice(0, 80)}`);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** Breadth-first walk of the relative-import graph from `entry`, recording the chain to each file. */
function walkImports(root: string, entry: string, forbidden: readonly string[] = FORBIDDEN_DIRS): Walk {
  const start = path.resolve(root, entry);
  const parent = new Map<string, string | null>([[start, null]]);
  const queue = [start];
  const files: string[] = [];
  const violations: Violation[] = [];
  const chainTo = (file: string): string[] => {
    const chain: string[] = [];
    for (let f: string | null | undefined = file; f; f = parent.get(f)) chain.unshift(rel(root, f));
    return chain;
  };

  for (let file = queue.shift(); file !== undefined; file = queue.shift()) {
    const relFile = rel(root, file);
    files.push(relFile);
    const hit = forbidden.find((dir) => relFile.startsWith(dir));
    if (hit) violations.push({ chain: chainTo(file), reason: `reaches ${hit}` });
    if (!/\.[cm]?tsx?$/.test(file)) continue; // e.g. an imported .json: nothing to follow

    const text = readFileSync(file, 'utf8');
    const info = ts.preProcessFile(text, true, true);
    const specifiers = [...info.importedFiles, ...info.referencedFiles].map((r) => r.fileName);
    for (const problem of unfollowableImports(file, text)) {
      violations.push({ chain: chainTo(file), reason: `non-literal dynamic import cannot be checked (${problem})` });
    }
    for (const spec of specifiers) {
      if (spec.startsWith('.') || spec.startsWith('/')) {
        const target = resolveRelative(file, spec);
        if (!target) {
          violations.push({ chain: chainTo(file), reason: `cannot resolve import "${spec}"` });
          continue;
        }
        if (!parent.has(target)) {
          parent.set(target, file);
          queue.push(target);
        }
      } else if (spec === PACKAGE_NAME || spec.startsWith(`${PACKAGE_NAME}/`) || spec.startsWith('#')) {
        // A self-reference goes through package.json exports and could pull in anything.
        violations.push({ chain: chainTo(file), reason: `imports the package itself via "${spec}"` });
      }
    }
  }
  return { files, violations };
}

const describeViolations = (v: Violation[]): string => v.map((x) => `${x.reason}: ${x.chain.join(' → ')}`).join('\n');

describe('the verifier never imports issuer, CLI, server or storage code', () => {
  const walk = walkImports(ROOT, 'src/verifier/index.ts');

  it('no file reachable from src/verifier/index.ts is under a forbidden directory', () => {
    expect(walk.violations, describeViolations(walk.violations)).toEqual([]);
  });

  it('the walk is not vacuous: it reaches the verifier and its library code', () => {
    expect(walk.files[0]).toBe('src/verifier/index.ts');
    expect(walk.files.length).toBeGreaterThan(10);
    for (const f of [
      'src/verifier/verify.ts',
      'src/verifier/keys/resolve.ts',
      'src/verifier/checks/header.ts',
      'src/lib/net/guarded-fetch.ts',
      'src/lib/did/did-key.ts',
      'src/lib/keys/jwk.ts',
      'src/errors.ts',
    ]) {
      expect(walk.files, f).toContain(f);
    }
    // Every reached file exists and is source, not built output, but for the validators the build
    // generates (checked below).
    for (const f of walk.files) {
      expect(f.startsWith('src/') || f.startsWith(GENERATED_VALIDATORS), f).toBe(true);
      expect(existsSync(path.join(ROOT, f)), f).toBe(true);
    }
  });

  it('the generated schema validators it loads require only each other and Ajv\'s own packages', () => {
    expect(walk.files).toContain(`${GENERATED_VALIDATORS}index.cjs`);
    const dir = path.join(ROOT, GENERATED_VALIDATORS);
    const files = readdirSync(dir);
    expect(files.length).toBeGreaterThan(1);
    for (const name of files) {
      const text = readFileSync(path.join(dir, name), 'utf8');
      const literal = [...text.matchAll(/\brequire\((["'])([^"']+)\1\)/g)].map((m) => m[2]!);
      // Every require is a literal one (none computed at run time), and names an allowed module.
      expect((text.match(/\brequire\(/g) ?? []).length, name).toBe(literal.length);
      for (const spec of literal) expect(/^\.\/(v\d+|formats)\.cjs$/.test(spec) || /^ajv(-formats)?\//.test(spec), `${name}: ${spec}`).toBe(true);
    }
  });
});

describe('the walker detects violations (self-test)', () => {
  it('from src/issuer/index.ts it DOES reach src/issuer/ files, with the chain', () => {
    const walk = walkImports(ROOT, 'src/issuer/index.ts');
    const issuerHits = walk.violations.filter((v) => v.reason === 'reaches src/issuer/');
    expect(issuerHits.length).toBeGreaterThan(3);
    expect(issuerHits.map((v) => v.chain.at(-1))).toEqual(expect.arrayContaining(['src/issuer/index.ts', 'src/issuer/issue.ts', 'src/issuer/signer.ts']));
    for (const v of issuerHits) expect(v.chain[0]).toBe('src/issuer/index.ts');
    // The issuer may use verifier checks (the other direction is the one that is forbidden).
    expect(walk.files).toContain('src/verifier/checks/structure.ts');
  });

  it('from the package root barrel src/index.ts it reaches the issuer', () => {
    const walk = walkImports(ROOT, 'src/index.ts');
    expect(walk.violations.some((v) => v.chain.at(-1) === 'src/issuer/index.ts' && v.chain[0] === 'src/index.ts')).toBe(true);
  });

  describe('on a synthetic tree', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'microcred-arch-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    const write = (file: string, text: string): void => {
      mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
      writeFileSync(path.join(dir, file), text);
    };

    it('follows export-from, dynamic import(), import type and side-effect imports, and lists the chain', () => {
      write('src/verifier/index.ts', "export { a } from './a.js';\n");
      write('src/verifier/a.ts', "export const a = async () => (await import('../lib/b.js')).b;\n");
      write('src/lib/b.ts', "import type { Key } from './c.js';\nexport const b = 1 as unknown as Key;\n");
      write('src/lib/c.ts', "import '../storage/db.js';\nexport type Key = string;\n");
      write('src/storage/db.ts', "import { sign } from '../issuer/sign.js';\nexport const db = sign;\n");
      write('src/issuer/sign.ts', 'export const sign = 1;\n');
      const walk = walkImports(dir, 'src/verifier/index.ts');
      expect(walk.files).toEqual(['src/verifier/index.ts', 'src/verifier/a.ts', 'src/lib/b.ts', 'src/lib/c.ts', 'src/storage/db.ts', 'src/issuer/sign.ts']);
      expect(describeViolations(walk.violations)).toBe(
        [
          'reaches src/storage/: src/verifier/index.ts → src/verifier/a.ts → src/lib/b.ts → src/lib/c.ts → src/storage/db.ts',
          'reaches src/issuer/: src/verifier/index.ts → src/verifier/a.ts → src/lib/b.ts → src/lib/c.ts → src/storage/db.ts → src/issuer/sign.ts',
        ].join('\n'),
      );
    });

    it('flags unresolvable imports, non-literal dynamic imports and package self-references', () => {
      write('src/verifier/index.ts', "import { x } from './missing.js';\nexport * from './d.js';\n");
      write('src/verifier/d.ts', `const m = 'issuer';\nexport const load = () => import(\`../\${m}/index.js\`);\nexport * from '${PACKAGE_NAME}/issuer';\n`);
      const reasons = walkImports(dir, 'src/verifier/index.ts').violations.map((v) => v.reason);
      expect(reasons).toEqual([
        'cannot resolve import "./missing.js"',
        expect.stringContaining('non-literal dynamic import'),
        `imports the package itself via "${PACKAGE_NAME}/issuer"`,
      ]);
    });
  });
});

describe('package.json exports', () => {
  type ExportEntry = string | { types?: string; import?: string; default?: string };
  const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { exports?: Record<string, ExportEntry> };
  // Where built files come from: tsconfig.build.json maps rootDir → outDir.
  const build = ts.readConfigFile(path.join(ROOT, 'tsconfig.build.json'), (p) => readFileSync(p, 'utf8'));
  const { rootDir = 'src', outDir = 'dist' } = (build.config as { compilerOptions?: { rootDir?: string; outDir?: string } }).compilerOptions ?? {};

  /** `./dist/verifier/index.js` (or .d.ts) → `src/verifier/index.ts`. */
  const sourceOf = (target: string): string => {
    const normalized = path.posix.normalize(target);
    const prefix = `${path.posix.normalize(outDir)}/`;
    expect(normalized.startsWith(prefix), `${target} is not under ${outDir}/`).toBe(true);
    return `${path.posix.normalize(rootDir)}/${normalized.slice(prefix.length).replace(/\.d\.ts$|\.js$/, '.ts')}`;
  };

  it.each([
    ['./verifier', 'src/verifier/index.ts'],
    ['./issuer', 'src/issuer/index.ts'],
  ])('%s points at dist files built from %s', (subpath, source) => {
    const entry = pkg.exports?.[subpath];
    expect(entry, `exports["${subpath}"]`).toBeDefined();
    const targets = typeof entry === 'string' ? { default: entry } : entry!;
    const runtime = targets.import ?? targets.default;
    expect(runtime, `exports["${subpath}"] has no import/default target`).toMatch(/\.js$/);
    expect(sourceOf(runtime!)).toBe(source);
    if (targets.types !== undefined) {
      expect(targets.types).toMatch(/\.d\.ts$/);
      expect(sourceOf(targets.types)).toBe(source);
    }
    expect(existsSync(path.join(ROOT, source)), source).toBe(true);
  });
});
