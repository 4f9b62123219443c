import type { Command } from 'commander';
import { writeFile } from 'node:fs/promises';
import { bakePng, bakeSvg, sniffImage, unbake } from '../../baking/index.js';
import { MicrocredError, isMicrocredError } from '../../errors.js';
import { readInput } from '../io.js';
import { CliExit } from '../output.js';

/** Unusable input (not an image, corrupt image, no credential, too large): one line with the code, exit 2. */
async function unusableInputExits<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (e) {
    if (!isMicrocredError(e)) throw e;
    process.stderr.write(`microcred: ${e.code}: ${e.message}\n`);
    throw new CliExit(2);
  }
}

async function writeOut(path: string, data: Uint8Array | string): Promise<void> {
  try {
    await writeFile(path, data);
  } catch (e) {
    throw new MicrocredError('MC_USAGE', `cannot write ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

export function registerBake(program: Command): void {
  program
    .command('bake')
    .description('bake a credential into a PNG or SVG badge image (OB 3.0 baked badge); replaces any credential already baked in it: exit 0 baked, 2 unusable input')
    .argument('<image>', 'the PNG or SVG image (recognised by its content), or - for stdin')
    .requiredOption('--credential <file>', 'the credential: a compact JWS (.jwt) or a JSON credential with an embedded proof (.json)')
    .requiredOption('--out <file>', 'where to write the baked image')
    .action(async (imagePath: string, opts: { credential: string; out: string }) => {
      await unusableInputExits(async () => {
        const image = await readInput(imagePath);
        const credential = (await readInput(opts.credential)).toString('utf8');
        const format = sniffImage(image);
        let baked: Uint8Array | string;
        if (format === 'png') {
          baked = bakePng(image, credential);
        } else if (format === 'svg') {
          baked = bakeSvg(image, credential);
        } else {
          throw new MicrocredError('MC_INPUT_UNRECOGNIZED', `${imagePath} is not a PNG or SVG image`);
        }
        await writeOut(opts.out, baked);
        const kind = credential.trim().startsWith('{') ? 'JSON credential' : 'VC-JWT';
        process.stdout.write(`baked the ${kind} into ${format.toUpperCase()} ${opts.out}\n`);
      });
    });

  program
    .command('unbake')
    .description('print the credential baked into a PNG or SVG badge image: exit 0 found, 2 unusable input or no credential')
    .argument('<image>', 'the PNG or SVG image, or - for stdin')
    .option('--out <file>', 'write the credential to this file instead of printing it')
    .action(async (imagePath: string, opts: { out?: string }) => {
      await unusableInputExits(async () => {
        const { credential } = unbake(await readInput(imagePath));
        if (opts.out !== undefined) await writeOut(opts.out, credential + '\n');
        else process.stdout.write(credential + '\n');
      });
    });
}
