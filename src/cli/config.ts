import { ConfigError, loadConfig, type ServiceConfig } from '../config/config.js';
import { MicrocredError } from '../errors.js';

/** The service configuration for CLI commands: a bad value is a usage error naming the variable. */
export function cliConfig(): ServiceConfig {
  try {
    return loadConfig();
  } catch (e) {
    if (e instanceof ConfigError) throw new MicrocredError('MC_USAGE', `configuration: ${e.message}`);
    throw e;
  }
}
