import type { Command } from 'commander';
import { ConfigError, loadConfig } from '../../config/config.js';
import { MicrocredError } from '../../errors.js';
import { startService } from '../../server/start.js';

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('run the issuer service (configuration from environment variables; see README)')
    .action(async () => {
      let config;
      try {
        config = loadConfig();
      } catch (e) {
        if (e instanceof ConfigError) throw new MicrocredError('MC_USAGE', `configuration: ${e.message}`);
        throw e;
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
