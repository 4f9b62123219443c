import { ConfigError, loadConfig, type ServiceConfig } from '../config/config.js';
import { MicrocredError } from '../errors.js';

/** Run a configuration parser: a bad value is a usage error naming the variable (or flag). */
export function cliSetting<T>(parse: () => T): T {
  try {
    return parse();
  } catch (e) {
    if (e instanceof ConfigError) throw new MicrocredError('MC_USAGE', `configuration: ${e.message}`);
    throw e;
  }
}

/** The service configuration for CLI commands: a bad value is a usage error naming the variable. */
export function cliConfig(): ServiceConfig {
  return cliSetting(() => loadConfig());
}
