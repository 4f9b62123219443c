import type { Command } from 'commander';
import { MicrocredError } from '../../errors.js';
import { readInput } from '../io.js';
import { CliExit } from '../output.js';

export function registerStack(program: Command): void {
  program
    .command('stack')
    .description("verify several credentials of one learner and total their verified credits per credit system and level")
    .argument('<files...>', 'credential files (.jwt or .json)')
    .option('--recipient <identifier>', "the learner's id, email, student id or APAAR id (needed for hashed identifiers)")
    .option('--identity-type <type>', 'identityType of --recipient (e.g. emailAddress, ext:APAAR)')
    .option('--degree-credits <n>', 'credits of the degree the bundle counts toward (checks the 50 % cap)')
    .option('--now <datetime>', 'judge dates and shelf life as of this time')
    .option('--json', 'print the report as JSON')
    .action(async (files: string[], opts: { recipient?: string; identityType?: string; degreeCredits?: string; now?: string; json?: boolean }) => {
      const inputs = await Promise.all(files.map(async (f) => ({ label: f, input: await readInput(f) })));
      const degreeCredits = opts.degreeCredits === undefined ? undefined : Number(opts.degreeCredits);
      if (degreeCredits !== undefined && !(degreeCredits > 0)) throw new MicrocredError('MC_USAGE', '--degree-credits must be a positive number');
      const now = opts.now === undefined ? undefined : new Date(opts.now);
      if (now && Number.isNaN(now.getTime())) throw new MicrocredError('MC_USAGE', `--now ${opts.now} is not a date-time`);
      const recipient = opts.recipient === undefined ? undefined : opts.identityType ? { identityType: opts.identityType, identifier: opts.recipient } : opts.recipient;
      const { stackCredentials } = await import('../../verifier/stack.js');
      const report = await stackCredentials(inputs, { ...(recipient !== undefined ? { recipient } : {}), ...(degreeCredits !== undefined ? { degreeCredits } : {}), ...(now ? { now } : {}) });
      if (opts.json) {
        const { reports: _reports, ...rest } = report;
        process.stdout.write(JSON.stringify(rest, null, 2) + '\n');
      } else {
        const rows = report.credentials.map((c) => [c.label, c.name ?? '?', c.creditSystem ?? '-', String(c.credits), c.level ?? '-', c.excluded === null ? 'counted' : c.excluded]);
        const head = ['file', 'achievement', 'system', 'credits', 'level', 'status'];
        const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
        const fmt = (r: string[]) => r.map((x, i) => x.padEnd(widths[i]!)).join('  ');
        const out = [`learner: ${report.learner.confirmed ? 'confirmed' : 'NOT confirmed'} (${report.learner.how})`, '', fmt(head), fmt(widths.map((w) => '-'.repeat(w))), ...rows.map(fmt), '', 'verified credits:'];
        for (const t of report.totals) out.push(`  ${t.creditSystem}${t.level ? ` at ${t.level}` : ''}: ${t.credits} credits from ${t.count} credential(s)`);
        if (!report.totals.length) out.push('  none');
        for (const t of report.pastShelfLife) out.push(`  past shelf life, not counted: ${t.credits} ${t.creditSystem} credits`);
        for (const n of report.notes) out.push(`${n.status === 'failed' ? '✗' : n.status === 'passed' ? '✓' : 'i'} ${n.rule}: ${n.message}`);
        process.stdout.write(out.join('\n') + '\n');
      }
      const anyFailed = !report.learner.confirmed || report.credentials.some((c) => !c.verified) || report.notes.some((n) => n.status === 'failed');
      throw new CliExit(anyFailed ? 1 : 0);
    });
}
