import { open } from 'node:fs/promises';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Command } from 'commander';
import { MicrocredError } from '../../errors.js';
import { generateKey } from '../../issuer/keys/generate.js';
import { isSupportedAlgorithm, SUPPORTED_ALGORITHMS } from '../../lib/jws/algorithms.js';

export function registerKeys(program: Command): void {
  const keys = program.command('keys').description('manage issuer signing keys');
  keys
    .command('generate')
    .description('generate a private signing key (JWK, file mode 0600) and print its public key and issuer ids')
    .option('--alg <alg>', `algorithm: ${SUPPORTED_ALGORITHMS.join(', ')}`, 'ES256')
    .requiredOption('--out <file>', 'where to write the private JWK (refuses to overwrite)')
    .option('--json', 'print the public key and identifiers as JSON')
    .action(async (opts: { alg: string; out: string; json?: boolean }) => {
      if (!isSupportedAlgorithm(opts.alg)) throw new MicrocredError('MC_USAGE', `--alg must be one of ${SUPPORTED_ALGORITHMS.join(', ')}`);
      const key = generateKey(opts.alg);
      mkdirSync(dirname(opts.out), { recursive: true, mode: 0o700 });
      let fh;
      try {
        // 'wx' refuses to overwrite an existing key; mode 0600 from creation, never world-readable.
        fh = await open(opts.out, 'wx', 0o600);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        throw new MicrocredError('MC_USAGE', code === 'EEXIST' ? `${opts.out} already exists; refusing to overwrite a key` : `cannot create ${opts.out}: ${code}`);
      }
      await fh.writeFile(JSON.stringify(key.privateJwk, null, 2) + '\n');
      await fh.close();
      if (opts.json) {
        process.stdout.write(JSON.stringify({ alg: key.alg, file: opts.out, publicJwk: key.publicJwk, identifiers: key.identifiers }, null, 2) + '\n');
        return;
      }
      process.stdout.write(`wrote private ${key.alg} key to ${opts.out} (mode 0600; keep it secret)\n\npublic JWK:\n${JSON.stringify(key.publicJwk)}\n\nissuer identifiers this key can serve as:\n`);
      for (const id of key.identifiers) process.stdout.write(`  ${id.method.padEnd(8)} issuer ${id.id}\n           kid    ${id.kid}\n`);
    });
}
