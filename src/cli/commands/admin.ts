import type { Command } from 'commander';
import { MicrocredError } from '../../errors.js';
import { createToken, SCOPES, type Scope } from '../../service/tokens.js';
import { withStorage } from '../service.js';

export function registerAdmin(program: Command): void {
  const tokens = program.command('tokens').description('manage API tokens of the issuer service');
  tokens
    .command('create')
    .description('create an API token (the secret is printed once; only its hash is stored)')
    .requiredOption('--scopes <list>', `comma-separated: ${SCOPES.join(', ')}`)
    .option('--label <text>', 'who or what the token is for', '')
    .action(async (opts: { scopes: string; label: string }) => {
      const scopes = opts.scopes.split(',').map((s) => s.trim()).filter(Boolean);
      if (!scopes.length || !scopes.every((s) => (SCOPES as readonly string[]).includes(s))) throw new MicrocredError('MC_USAGE', `--scopes must list ${SCOPES.join(', ')}`);
      await withStorage(async (storage) => {
        const at = new Date().toISOString();
        const { token, secret } = await createToken(storage, scopes as Scope[], opts.label, at);
        await storage.appendAudit({ at, actor: 'cli', action: 'token.created', target: token.id, detail: { scopes } });
        process.stdout.write(`${secret}\n`);
        process.stderr.write(`token ${token.id} (${scopes.join(', ')}) created; the secret above is not shown again\n`);
      });
    });

  const keys = program.commands.find((c) => c.name() === 'keys')!;
  keys
    .command('rotate')
    .description("rotate the service's signing key: a new key becomes active; the old one stays published")
    .action(async () => {
      await withStorage(async (storage, config) => {
        const [{ Keyring }, { loadKek }] = await Promise.all([import('../../service/keyring.js'), import('../../service/kek.js')]);
        const keyring = new Keyring(storage, loadKek(config.kek, config.dataDir).kek, config.issuerId, config.baseUrl);
        const at = new Date().toISOString();
        const k = await keyring.rotate(config.keyAlg, at);
        await storage.appendAudit({ at, actor: 'cli', action: 'key.rotated', target: k.id });
        process.stdout.write(`active key is now ${k.id} (${k.alg}); kid ${keyring.kidFor(k.id)}\n`);
      });
    });
  keys
    .command('list')
    .description("list the service's signing keys")
    .action(async () => {
      await withStorage(async (storage) => {
        for (const k of await storage.listKeys()) process.stdout.write(`${k.id}  ${k.alg.padEnd(5)}  ${k.state.padEnd(11)}  created ${k.createdAt}${k.stateChangedAt ? `  changed ${k.stateChangedAt}` : ''}\n`);
      });
    });
  keys
    .command('compromise')
    .description('mark a retired key compromised: credentials it signed stop verifying')
    .argument('<id>', 'key id (see keys list)')
    // A key id is a base64url thumbprint, and one in 64 starts with '-': read it as the id, not
    // as an unknown option (a mistyped option then gets "no key …").
    .allowUnknownOption()
    .action(async (id: string) => {
      await withStorage(async (storage) => {
        const key = (await storage.listKeys()).find((k) => k.id === id);
        if (!key) throw new MicrocredError('MC_USAGE', `no key ${id}`);
        if (key.state === 'active') throw new MicrocredError('MC_USAGE', 'rotate first: the active key cannot be marked compromised');
        const at = new Date().toISOString();
        await storage.setKeyState(id, 'compromised', at);
        await storage.appendAudit({ at, actor: 'cli', action: 'key.compromised', target: id });
        process.stdout.write(`key ${id} marked compromised\n`);
      });
    });
}
