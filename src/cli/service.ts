import type { ServiceConfig } from '../config/config.js';
import type { IssuingService } from '../service/issuing.js';
import type { Storage } from '../storage/types.js';
import { cliConfig } from './config.js';

/**
 * The service's database for an administration command, with the same configuration as
 * `serve`, migrated and closed afterwards. Loaded when a command runs (see commands/verify.ts).
 */
export async function withStorage<T>(fn: (storage: Storage, config: ServiceConfig) => Promise<T>): Promise<T> {
  const config = cliConfig();
  const { openStorage } = await import('../storage/index.js');
  const storage = await openStorage(config.databaseUrl);
  try {
    await storage.migrate();
    return await fn(storage, config);
  } finally {
    await storage.close();
  }
}

/** The issuing service over that database: what the HTTP API does, from the command line. */
export async function withService<T>(fn: (issuing: IssuingService, storage: Storage, config: ServiceConfig) => Promise<T>): Promise<T> {
  return withStorage(async (storage, config) => {
    const [{ Keyring }, { loadKek }, { IssuingService }] = await Promise.all([import('../service/keyring.js'), import('../service/kek.js'), import('../service/issuing.js')]);
    const keyring = new Keyring(storage, loadKek(config.kek, config.dataDir).kek, config.issuerId, config.baseUrl);
    return fn(new IssuingService(storage, keyring, config), storage, config);
  });
}
