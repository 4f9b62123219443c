import type { Command } from 'commander';
import { cliConfig } from '../config.js';
import { startService } from '../../server/start.js';
import { startVerifierService } from '../../server/verifier-app.js';

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('run the issuer service (configuration from environment variables; see README)')
    .option('--verifier-only', 'run only the verification pages and POST /api/v1/verify: no keys, no database')
    .action(async (opts: { verifierOnly?: boolean }) => {
      const config = cliConfig();
      if (opts.verifierOnly) {
        const verifier = await startVerifierService(config);
        process.stdout.write(`microcred verifier listening on ${verifier.url} (verifier only: no keys, no database)\n`);
        await new Promise<void>((resolve) => {
          const stop = () => void verifier.close().then(resolve);
          process.once('SIGTERM', stop);
          process.once('SIGINT', stop);
        });
        return;
      }
      const service = await startService(config);
      process.stdout.write(`microcred issuer service listening on ${service.url}\n  public URL ${config.baseUrl}  issuer ${config.issuerId}  storage ${service.storage.kind}\n`);
      if (service.bootstrapToken) {
        process.stdout.write(`\nbootstrap admin token (shown once; store it safely):\n  ${service.bootstrapToken}\n\n`);
      }
      await new Promise<void>((resolve) => {
        const stop = (signal: string) => {
          process.stdout.write(`${signal}: finishing in-flight requests…\n`);
          void service.close().then(resolve);
        };
        process.once('SIGTERM', () => stop('SIGTERM'));
        process.once('SIGINT', () => stop('SIGINT'));
      });
    });
}
