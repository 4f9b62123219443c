#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { createRequire } from 'node:module';
import { registerIssue } from './commands/issue.js';
import { registerKeys } from './commands/keys.js';
import { registerLint } from './commands/lint.js';
import { registerProfiles } from './commands/profiles.js';
import { registerStack } from './commands/stack.js';
import { registerServe } from './commands/serve.js';
import { registerAdmin } from './commands/admin.js';
import { registerBatch } from './commands/batch.js';
import { registerRegistrar } from './commands/registrar.js';
import { registerVerify } from './commands/verify.js';
import { registerBake } from './commands/bake.js';
import { reportError } from './output.js';

const { version } = createRequire(import.meta.url)('../../package.json') as { version: string };

export function buildProgram(): Command {
  const program = new Command('microcred')
    .description('issue and verify Open Badges 3.0 micro-credentials')
    .version(version)
    .exitOverride()
    // commander's own usage errors (unknown option, missing argument…) in the CLI's one-line
    // form, with the same stable code as the commands' usage errors.
    .configureOutput({ outputError: (text, write) => write(usageLine(text)) });
  registerKeys(program);
  registerIssue(program);
  registerVerify(program);
  registerBake(program);
  registerLint(program);
  registerStack(program);
  registerProfiles(program);
  registerServe(program);
  registerAdmin(program);
  registerBatch(program);
  registerRegistrar(program);
  return program;
}

/** `error: unknown option '--x'\n…` as `microcred: MC_USAGE: unknown option '--x' (run with --help for usage)`. */
function usageLine(text: string): string {
  const first = text.trim().split('\n')[0]!.replace(/^error:\s*/, '');
  return `microcred: MC_USAGE: ${first} (run with --help for usage)\n`;
}

async function main(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv);
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2; // usage errors are exit 2
    return reportError(e);
  }
}

process.exitCode = await main(process.argv);
