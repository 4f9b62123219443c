import type { Command } from 'commander';
import { MicrocredError } from '../../errors.js';
import type { VerifyOptions } from '../../verifier/verify.js';
import type { CheckResult, VerificationReport } from '../../verifier/report.js';
import { readInput } from '../io.js';
import { CliExit } from '../output.js';

interface VerifyCliOptions {
  json?: boolean;
  now?: string;
  clockSkew?: string;
  allowHttp?: boolean;
  allowPrivateNetwork?: boolean;
  statusWarn?: boolean;
  requireProfile?: string[];
  trust?: string;
  trustIssuer?: string;
  requireTrusted?: boolean;
}

const MARK: Record<CheckResult['status'], string> = { passed: '✓', failed: '✗', warning: '!', skipped: '-' };

export function formatReport(r: VerificationReport): string {
  const lines = r.checks.flatMap((c) => {
    const line = `${MARK[c.status]} ${c.check.padEnd(16)} ${c.message}${c.status === 'passed' || c.status === 'skipped' ? '' : ` [${c.code}]`}`;
    // Benchmark checks list the rules that did not pass, in plain language.
    const rules = c.check === 'benchmark' ? ((c.details as { rules?: Array<{ id: string; status: string; message: string; detail?: string }> } | undefined)?.rules ?? []) : [];
    return [line, ...rules.filter((x) => x.status === 'failed' || x.status === 'warning' || x.status === 'info').map((x) => `    ${x.status === 'failed' ? '✗' : x.status === 'warning' ? '!' : 'i'} ${x.id}: ${x.message}${x.detail ? ` (${x.detail})` : ''}`)];
  });
  const name = r.credential && typeof r.credential.name === 'string' ? ` "${r.credential.name}"` : '';
  lines.push('', r.verified ? `VERIFIED${name} (${r.format})` : `NOT VERIFIED${name} (${r.format})`);
  return lines.join('\n') + '\n';
}

export function registerVerify(program: Command): void {
  program
    .command('verify')
    .description('verify a credential: exit 0 verified, 1 not verified, 2 unusable input or usage')
    .argument('<input>', 'a .jwt, .json, baked .png or .svg file, or - for stdin')
    .option('--json', 'print the full verification report as JSON')
    .option('--now <datetime>', 'judge dates as of this time (ISO 8601), instead of now')
    .option('--clock-skew <seconds>', 'allowed clock skew in seconds', '60')
    .option('--allow-http', 'allow plain http for keys and status lists (testing only)')
    .option('--allow-private-network', 'allow keys and status lists on loopback/private addresses (testing, intranets)')
    .option('--status-warn', 'if the status list cannot be fetched, warn instead of failing')
    .option('--require-profile <id...>', 'fail unless the credential claims and passes these quality-benchmark profiles')
    .option('--trust <file>', 'a trust registry (JSON, or a VC-JWT with --trust-issuer): adds a trust check')
    .option('--trust-issuer <id>', 'who must have signed a signed trust registry')
    .option('--require-trusted', 'fail unless the issuer is in the trust registry (default: only warn)')
    .action(async (input: string, opts: VerifyCliOptions) => {
      // Loaded when the command runs, so that `microcred --help` and the other commands start sooner.
      const [{ verifyCredential }, { withTrust }, { loadTrustRegistry }] = await Promise.all([import('../../verifier/verify.js'), import('../../verifier/trust.js'), import('../../server/trust-loader.js')]);
      const bytes = await readInput(input);
      let now: Date | undefined;
      if (opts.now !== undefined) {
        now = new Date(opts.now);
        if (Number.isNaN(now.getTime())) throw new MicrocredError('MC_USAGE', `--now ${opts.now} is not a date-time`);
      }
      const skew = Number(opts.clockSkew);
      if (!Number.isFinite(skew) || skew < 0) throw new MicrocredError('MC_USAGE', '--clock-skew must be a non-negative number of seconds');
      const verifyOptions: VerifyOptions = {
        ...(now ? { now } : {}),
        clockToleranceSec: skew,
        fetchPolicy: { allowHttp: !!opts.allowHttp, allowPrivateNetworks: !!opts.allowPrivateNetwork },
        statusFailure: opts.statusWarn ? 'warn' : 'fail',
        requireProfiles: opts.requireProfile ?? [],
      };
      let registry = null;
      if (opts.trust) {
        registry = await loadTrustRegistry({ trustRegistryPath: opts.trust, trustRegistryIssuer: opts.trustIssuer ?? null }, (jwt) => verifyCredential(jwt, verifyOptions));
      }
      const report = withTrust(await verifyCredential(bytes, verifyOptions), registry, !!opts.requireTrusted);
      process.stdout.write(opts.json ? JSON.stringify(report, null, 2) + '\n' : formatReport(report));
      const unusable = report.checks.length === 1 && report.checks[0]!.check === 'parse' && report.checks[0]!.status === 'failed';
      throw new CliExit(report.verified ? 0 : unusable ? 2 : 1);
    });
}
