import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO } from './helpers/tokens.js';

const BIN = join(REPO, 'dist/cli/main.js');
const dir = mkdtempSync(join(tmpdir(), 'mc-cli-'));

function cli(args: string[], input?: string) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: REPO, input, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('microcred CLI', () => {
  const key = join(dir, 'issuer.jwk');
  let jwt = '';

  it('keys generate writes a 0600 private JWK and prints public key and identifiers', () => {
    const r = cli(['keys', 'generate', '--alg', 'ES256', '--out', key, '--json']);
    expect(r.code).toBe(0);
    expect(statSync(key).mode & 0o777).toBe(0o600);
    const out = JSON.parse(r.stdout) as { publicJwk: Record<string, unknown>; identifiers: Array<{ method: string; id: string }> };
    expect(out.publicJwk.d).toBeUndefined();
    expect(r.stdout).not.toContain((JSON.parse(readFileSync(key, 'utf8')) as { d: string }).d);
    expect(out.identifiers.map((i) => i.method)).toEqual(['did:key', 'did:jwk']);
  });

  it('keys generate refuses to overwrite a key and rejects an unknown alg', () => {
    expect(cli(['keys', 'generate', '--out', key]).code).toBe(2);
    const r = cli(['keys', 'generate', '--alg', 'HS256', '--out', join(dir, 'x.jwk')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^microcred: MC_USAGE: --alg must be one of/);
  });

  it("commander's usage errors are one line with the stable code, exit 2", () => {
    for (const [args, message] of [
      [['verify', '--no-such-option'], "unknown option '--no-such-option'"],
      [['issue'], "required option '--key <file>' not specified"],
      [['no-such-command'], "unknown command 'no-such-command'"],
    ] as const) {
      const r = cli([...args]);
      expect(r.code).toBe(2);
      expect(r.stderr).toBe(`microcred: MC_USAGE: ${message} (run with --help for usage)\n`);
    }
  });

  it('issue prints benchmark warnings on stderr and still issues', () => {
    const r = cli(['issue', 'examples/requests/basic.json', '--key', key]);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(r.stderr).toMatch(/^warning X-CREDIT-UNIT-DECLARED: .*credit system is not stated/);
  });

  it('issue prints a compact JWS; verify exits 0 and prints one line per check', () => {
    const r = cli(['issue', 'examples/requests/in-ncrf-data-ethics.json', '--key', key]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    jwt = r.stdout.trim();
    expect(jwt).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    writeFileSync(join(dir, 'c.jwt'), jwt);
    const v = cli(['verify', join(dir, 'c.jwt')]);
    expect(v.code).toBe(0);
    expect(v.stdout).toMatch(/^✓ signature +ES256 signature is valid$/m);
    expect(v.stdout).toMatch(/VERIFIED "Applied Data Ethics"/);
  });

  it('verify --json from stdin gives the documented report shape', () => {
    const v = cli(['verify', '-', '--json'], jwt);
    expect(v.code).toBe(0);
    const report = JSON.parse(v.stdout) as Record<string, unknown>;
    expect(Object.keys(report)).toEqual(['verified', 'format', 'credential', 'checks']);
    expect(report).toMatchObject({ verified: true, format: 'vc-jwt' });
    for (const c of report.checks as Array<Record<string, unknown>>) {
      expect(Object.keys(c).slice(0, 4)).toEqual(['check', 'status', 'code', 'message']);
      expect(['passed', 'failed', 'warning', 'skipped']).toContain(c.status);
      expect(c.code).toMatch(/^MC_[A-Z0-9_]+$/);
    }
  });

  it('verify exits 1 for a tampered credential, with the reason', () => {
    const [h, p, s] = jwt.split('.') as [string, string, string];
    const payload = JSON.parse(Buffer.from(p, 'base64url').toString()) as { credentialSubject: { creditsEarned: number } };
    payload.credentialSubject.creditsEarned = 4;
    const v = cli(['verify', '-'], `${h}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${s}`);
    expect(v.code).toBe(1);
    expect(v.stdout).toMatch(/^✗ signature .*\[MC_SIGNATURE_INVALID\]$/m);
    expect(v.stdout).toContain('NOT VERIFIED');
  });

  it('verify exits 2 for unusable input and usage errors, without a stack trace', () => {
    for (const [args, input] of [[['verify', join(dir, 'missing.jwt')], undefined], [['verify', '-'], 'not a credential'], [['verify'], undefined], [['verify', '-', '--now', 'yesterday'], jwt]] as Array<[string[], string | undefined]>) {
      const v = cli(args, input);
      expect(v.code, args.join(' ')).toBe(2);
      expect(v.stderr + v.stdout).not.toMatch(/\n\s+at .*\(.*:\d+:\d+\)/);
    }
  });

  it('verify --now judges dates at that time', () => {
    const v = cli(['verify', '-', '--now', '2000-01-01T00:00:00Z'], jwt);
    expect(v.code).toBe(1);
    expect(v.stdout).toContain('[MC_NOT_YET_VALID]');
  });

  it('issue refuses an invalid request: exit 1, every problem listed, nothing on stdout', () => {
    const bad = join(dir, 'bad.json');
    const req = JSON.parse(readFileSync(join(REPO, 'examples/requests/in-ncrf-data-ethics.json'), 'utf8')) as { achievement: Record<string, unknown> };
    delete req.achievement.name;
    delete req.achievement.description;
    writeFileSync(bad, JSON.stringify(req));
    const r = cli(['issue', bad, '--key', key]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^microcred: MC_CREDENTIAL_INVALID: /);
    expect(r.stderr).toContain('/credentialSubject/achievement/name');
    expect(r.stderr).toContain('/credentialSubject/achievement/description');
  });

  it('issue refuses a world-readable key file', () => {
    const loose = join(dir, 'loose.jwk');
    writeFileSync(loose, readFileSync(key), { mode: 0o644 });
    const r = cli(['issue', 'examples/requests/basic.json', '--key', loose]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/MC_KEY_FILE_PERMISSIONS/);
  });
});
