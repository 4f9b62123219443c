/**
 * A file-writing worker thread for `batch --out --files`: QR codes and baked badges are CPU work
 * (a 512 px QR PNG takes about 10 ms), so a cohort's files are made on every core.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { learnerFiles, type FileSource, type LearnerFileKind } from './files.js';

export interface FilesTask {
  out: string;
  kinds: LearnerFileKind[];
  items: Array<{ source: FileSource; url: string; line: number }>;
}

const made = new Set<string>();

export default async function run(task: FilesTask): Promise<number> {
  const kinds = new Set(task.kinds);
  for (const item of task.items) {
    for (const f of await learnerFiles(item.source, item.url, item.line, kinds)) {
      const dir = join(task.out, f.dir);
      if (!made.has(dir)) {
        await mkdir(dir, { recursive: true });
        made.add(dir);
      }
      await writeFile(join(dir, f.name), f.data);
    }
  }
  return task.items.length;
}
