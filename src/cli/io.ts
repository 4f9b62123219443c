import { readFile } from 'node:fs/promises';
import { MicrocredError } from '../errors.js';

/** Read a file argument, or stdin for "-". Errors name the file and say what went wrong. */
export async function readInput(path: string): Promise<Buffer> {
  if (path === '-') {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  }
  try {
    return await readFile(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new MicrocredError('MC_INPUT_UNREADABLE', `cannot read ${path}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : code ?? 'error'}`);
  }
}

export async function readJsonFile(path: string): Promise<unknown> {
  const text = (await readInput(path)).toString('utf8');
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new MicrocredError('MC_INPUT_UNREADABLE', `${path} is not valid JSON: ${(e as Error).message}`);
  }
}
