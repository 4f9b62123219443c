import type { Command } from 'commander';
import { loadProfiles } from '../../benchmark/registry.js';

export function registerProfiles(program: Command): void {
  program
    .command('profiles')
    .description('list the quality-benchmark profiles and their rules')
    .argument('[id]', 'show one profile in full')
    .option('--json', 'print as JSON')
    .action((id: string | undefined, opts: { json?: boolean }) => {
      const all = [...loadProfiles().values()].filter((p) => id === undefined || p.id === id);
      if (opts.json) {
        process.stdout.write(JSON.stringify(all, null, 2) + '\n');
        return;
      }
      for (const p of all) {
        process.stdout.write(`${p.id.padEnd(8)} ${p.name} (v${p.version}, ${p.rules.length} rules)\n`);
        if (id === undefined) continue;
        process.stdout.write(`         ${p.description}\n\n`);
        for (const r of p.rules) process.stdout.write(`  ${r.id.padEnd(26)} ${r.severity.padEnd(7)} ${r.confidence === 'unconfirmed' ? '(unconfirmed: warns only) ' : ''}${r.message} [${r.source}]\n`);
        process.stdout.write('\nsources:\n');
        for (const [k, s] of Object.entries(p.sources)) process.stdout.write(`  ${k}: ${s.title}${s.url ? ` <${s.url}>` : ''}\n`);
      }
    });
}
