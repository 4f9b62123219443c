import type { Command } from 'commander';
import { MicrocredError } from '../../errors.js';
import type { CredentialState, StoredAchievement } from '../../storage/types.js';
import { readJsonFile } from '../io.js';
import { withService } from '../service.js';

/**
 * A registrar's work from the command line, against the service's database (the same
 * configuration as `serve`): define achievements for `batch`, find, revoke and suspend
 * credentials. Each does what the HTTP API does, with the same checks and audit events.
 */
export function registerRegistrar(program: Command): void {
  const achievements = program.command('achievements').description('define and list the achievements credentials are issued under');
  achievements
    .command('add')
    .description('store an achievement (OB 3.0 Achievement JSON with its quality-benchmark fields) as version 1; it is checked as the API checks it')
    .argument('<file>', 'the achievement JSON ("-" for stdin); an "achievement" member is taken from an issuance request')
    .option('--id <slug>', 'its id: lowercase letters, digits and dashes (default: the JSON "id" if it is one, else a UUID)')
    .action(async (file: string, opts: { id?: string }) => {
      const { body, slug } = achievementFrom(await readJsonFile(file), opts.id);
      await withService(async (issuing) => {
        const a = await issuing.createAchievement(body, 'cli', slug);
        process.stdout.write(`${a.id} version ${a.version}\n`);
        process.stderr.write(`published as ${String(a.body.id)}\n`);
      });
    });
  achievements
    .command('update')
    .description('change an achievement: in place while no credential was issued under its latest version, else as a new version')
    .argument('<id>', 'the achievement id')
    .argument('<file>', 'the new achievement JSON ("-" for stdin)')
    .action(async (id: string, file: string) => {
      const { body } = achievementFrom(await readJsonFile(file), id);
      await withService(async (issuing) => {
        const a = await issuing.updateAchievement(id, body, 'cli');
        process.stdout.write(`${a.id} version ${a.version}\n`);
      });
    });
  achievements
    .command('list')
    .description('list the achievements (latest versions)')
    .option('--json', 'as JSON')
    .action(async (opts: { json?: boolean }) => {
      await withService(async (_issuing, storage) => {
        const all: StoredAchievement[] = [];
        for (let offset = 0; ; offset += 500) {
          const page = await storage.listAchievements(500, offset);
          all.push(...page.items);
          if (page.items.length < 500) break;
        }
        if (opts.json) process.stdout.write(`${JSON.stringify(all.map((a) => ({ id: a.id, version: a.version, createdAt: a.createdAt, achievement: a.body })), null, 2)}\n`);
        else for (const a of all) process.stdout.write(`${a.id}  v${a.version}  ${String(a.body.name ?? '')}\n`);
      });
    });

  const credentials = program.command('credentials').description('find issued credentials; revoke, suspend or unsuspend them');
  credentials
    .command('list')
    .description('list issued credentials, newest first')
    .option('--learner <text>', 'part of the learner name, or an exact email, student id, APAAR id or DID')
    .option('--achievement <id>', 'only this achievement')
    .option('--state <state>', 'active, revoked or suspended')
    .option('--since <date>', 'issued on or after this date (YYYY-MM-DD or a date-time)')
    .option('--limit <n>', 'at most this many', '50')
    .option('--json', 'as JSON')
    .action(async (opts: { learner?: string; achievement?: string; state?: string; since?: string; limit: string; json?: boolean }) => {
      const limit = Number(opts.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) throw new MicrocredError('MC_USAGE', '--limit must be a whole number from 1 to 10000');
      if (opts.state !== undefined && !['active', 'revoked', 'suspended'].includes(opts.state)) throw new MicrocredError('MC_USAGE', '--state must be active, revoked or suspended');
      const since = opts.since === undefined ? undefined : Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(opts.since) ? `${opts.since}T00:00:00Z` : opts.since);
      if (since !== undefined && Number.isNaN(since)) throw new MicrocredError('MC_USAGE', '--since must be a date (YYYY-MM-DD) or a date-time');
      await withService(async (issuing, storage) => {
        const page = await storage.listCredentials({
          limit,
          offset: 0,
          ...(opts.learner !== undefined ? { learner: issuing.learnerFilter(opts.learner) } : {}),
          ...(opts.achievement ? { achievementId: opts.achievement } : {}),
          ...(opts.state ? { state: opts.state as CredentialState } : {}),
          ...(since !== undefined ? { since: new Date(since).toISOString() } : {}),
        });
        const rows = page.items.map((c) => issuing.summary(c));
        if (opts.json) {
          process.stdout.write(`${JSON.stringify({ items: rows, total: page.total }, null, 2)}\n`);
          return;
        }
        for (const r of rows) process.stdout.write(`${r.id}  ${r.state.padEnd(9)}  ${r.issuedAt.slice(0, 10)}  ${r.achievementId} v${r.achievementVersion}  ${r.learner ?? '-'}  ${r.verificationUrl}\n`);
        process.stderr.write(`${page.total} credential(s)${page.total > rows.length ? `, ${rows.length} shown (--limit)` : ''}\n`);
      });
    });
  for (const action of ['revoke', 'suspend', 'unsuspend'] as const) {
    credentials
      .command(action)
      .description(action === 'revoke' ? 'revoke a credential (final): verifiers show it revoked from now on' : action === 'suspend' ? 'suspend a credential until it is unsuspended' : 'make a suspended credential valid again')
      .argument('<id>', 'the credential id (urn:uuid:… or the uuid)')
      .option('--reason <text>', `why (${action === 'unsuspend' ? 'optional' : 'required'}; kept in the audit log and shown with the state)`)
      .action(async (id: string, opts: { reason?: string }) => {
        const reason = opts.reason?.trim() || null;
        if (action !== 'unsuspend' && !reason) throw new MicrocredError('MC_USAGE', `give a --reason for ${action === 'revoke' ? 'revoking' : 'suspending'}`);
        if (reason && reason.length > 500) throw new MicrocredError('MC_USAGE', '--reason must be at most 500 characters');
        await withService(async (issuing) => {
          const c = await issuing.changeState(id, action, reason, 'cli');
          process.stdout.write(`${c.id} ${c.state}${c.stateReason ? ` (${c.stateReason})` : ''}\n`);
        });
      });
  }
}

/** The achievement body and id from a file: an Achievement, or an issuance request holding one. */
function achievementFrom(json: unknown, id: string | undefined): { body: Record<string, unknown>; slug: string | undefined } {
  const object = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (!object(json)) throw new MicrocredError('MC_INPUT_UNREADABLE', 'the achievement file must hold a JSON object');
  const achievement = object(json.achievement) && json.credentialSubject !== undefined ? json.achievement : json;
  const { id: own, ...body } = achievement;
  // An id that is a URL or URN (as in the examples) names a published achievement, not a slug: the service gives its own.
  const slug = id ?? (typeof own === 'string' && !own.includes(':') ? own : undefined);
  return { body, slug };
}
