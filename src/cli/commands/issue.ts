import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { MicrocredError } from '../../errors.js';
import type { IssueFormat } from '../../issuer/issue.js';
import { issuerIdentifiersForKey } from '../../issuer/keys/identifiers.js';
import { loadPrivateKeyFile } from '../../issuer/keys/load.js';
import { createLocalSigner } from '../../issuer/signer.js';
import type { IssuanceRequest } from '../../issuer/request.js';
import { toPublicJwk } from '../../lib/keys/jwk.js';
import { readJsonFile } from '../io.js';

interface IssueCliOptions {
  key: string;
  issuer?: string;
  kid?: string;
  out?: string;
  json?: boolean;
  format: string;
}

/**
 * Which kid to put in the header: given explicitly, or the DID URL of the key when the issuer
 * is (or defaults to) that key's did:key / did:jwk.
 */
function chooseKid(publicJwk: ReturnType<typeof toPublicJwk>, issuerId: string | undefined, kid: string | undefined): { kid: string; issuerId: string | undefined } {
  if (kid) return { kid, issuerId };
  const ids = issuerIdentifiersForKey(publicJwk);
  if (issuerId === undefined) return { kid: ids[0]!.kid, issuerId: ids[0]!.id };
  const match = ids.find((i) => i.id === issuerId);
  if (match) return { kid: match.kid, issuerId };
  throw new MicrocredError('MC_USAGE', `issuer ${issuerId} is not a DID of this key: give --kid (the URL or DID URL where verifiers find the public key)`);
}

export function registerIssue(program: Command): void {
  program
    .command('issue')
    .description('issue an Open Badges 3.0 credential from an issuance request: a VC-JWT (compact JWS), a Data Integrity credential (JSON), or both')
    .argument('<request>', 'issuance request JSON file, or - for stdin')
    .requiredOption('--key <file>', 'private JWK file (see: microcred keys generate)')
    .option('--issuer <id>', 'issuer id (default: the request issuer.id, else the did:key/did:jwk of the key)')
    .option('--kid <kid>', 'key id (JWT header kid / Data Integrity verificationMethod; default: the DID URL of the key)')
    .option('--format <format>', 'jwt: a VC-JWT; di: JSON with an eddsa-rdfc-2022 Data Integrity proof (Ed25519 keys); both: the DI credential, secured as a VC-JWT as well', 'jwt')
    .option('--out <file>', 'write the output to a file instead of stdout')
    .option('--json', 'print {credential, jwt, warnings} as JSON')
    .action(async (requestPath: string, opts: IssueCliOptions) => {
      // Loaded when the command runs: other commands start without the issuer's schemas and contexts.
      const { ISSUE_FORMATS, issueCredential } = await import('../../issuer/issue.js');
      if (!(ISSUE_FORMATS as readonly string[]).includes(opts.format)) throw new MicrocredError('MC_USAGE', `--format must be one of ${ISSUE_FORMATS.join(', ')}, not ${opts.format}`);
      const format = opts.format as IssueFormat;
      const request = (await readJsonFile(requestPath)) as IssuanceRequest;
      const privateJwk = await loadPrivateKeyFile(opts.key);
      const requested = opts.issuer ?? (request && typeof request === 'object' ? request.issuer?.id : undefined);
      const { kid, issuerId } = chooseKid(toPublicJwk(privateJwk), requested, opts.kid);
      const signer = createLocalSigner(privateJwk, kid);
      const issued = await issueCredential(request, { signer, format, ...(issuerId ? { issuerId } : {}) });
      for (const w of issued.warnings) process.stderr.write(`warning ${w.id}: ${w.message}${w.detail ? ` (${w.detail})` : ''}\n`);
      // 'jwt' and 'both' print the VC-JWT (for 'both' its payload carries the proof); 'di' the JSON credential.
      const out = opts.json ? JSON.stringify(issued, null, 2) + '\n' : issued.jwt !== null ? issued.jwt + '\n' : JSON.stringify(issued.credential, null, 2) + '\n';
      if (opts.out) {
        await writeFile(opts.out, out);
        process.stderr.write(`wrote ${issued.credential.id} to ${opts.out}\n`);
      } else {
        process.stdout.write(out);
      }
    });
}
