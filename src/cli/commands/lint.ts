import type { Command } from 'commander';
import type { ProfileReport } from '../../benchmark/types.js';
import type { IssuanceRequest } from '../../issuer/request.js';
import { readJsonFile } from '../io.js';
import { CliExit } from '../output.js';

const MARK: Record<string, string> = { passed: '✓', failed: '✗', warning: '!', info: 'i', 'not-applicable': '-' };

export function formatProfile(r: ProfileReport, verbose = true): string {
  const lines = [`${MARK[r.status]} ${r.profile} (${r.name}, rules v${r.version}): ${r.status}`];
  for (const rule of r.rules) {
    if (!verbose && (rule.status === 'passed' || rule.status === 'not-applicable')) continue;
    lines.push(`    ${MARK[rule.status]} ${rule.id.padEnd(26)} ${rule.message}${rule.detail && rule.status !== 'passed' ? `\n      ${' '.repeat(26)} → ${rule.detail}` : ''}`);
  }
  return lines.join('\n');
}

export function registerLint(program: Command): void {
  program
    .command('lint')
    .description('check an issuance request (schema, JSON-LD terms, quality-benchmark profiles) without signing: exit 0 clean, 1 errors')
    .argument('<request>', 'issuance request JSON file, or - for stdin')
    .option('--profile <id...>', 'also evaluate these profiles (even if the request does not declare them)')
    .option('--json', 'print the report as JSON')
    .action(async (path: string, opts: { profile?: string[]; json?: boolean }) => {
      const request = (await readJsonFile(path)) as IssuanceRequest;
      const { lintRequest } = await import('../../issuer/lint.js');
      const report = await lintRequest(request, { profiles: opts.profile ?? [] });
      if (opts.json) {
        process.stdout.write(JSON.stringify(report, null, 2) + '\n');
      } else {
        const out: string[] = [];
        if (report.problems.length) {
          out.push(`✗ ${report.problems.length} problem(s) in the credential:`);
          for (const p of report.problems) out.push(`    ${p.path}: ${p.message}`);
        } else {
          out.push('✓ structure: Open Badges 3.0 schema, extension schema and JSON-LD terms');
        }
        const declared = report.benchmark?.declared ?? [];
        for (const r of report.benchmark?.reports ?? []) {
          const note = r.profile !== 'MC-BASE' && !declared.includes(r.profile) ? ' [not declared by the request: issuing would not check it]' : '';
          out.push(formatProfile(r) + note);
        }
        out.push('', report.ok ? 'OK: this request can be issued' : 'NOT OK: issuing this request would be refused');
        process.stdout.write(out.join('\n') + '\n');
      }
      throw new CliExit(report.ok ? 0 : 1);
    });
}
