import { createHash } from 'node:crypto';
import { parse as parseCsv } from 'csv-parse/sync';
import type { Problem } from '../errors.js';

/**
 * Cohort files: CSV with a header row, or JSON Lines (one issuance body per line). Each row
 * becomes the per-learner part of an issuance request for one achievement version.
 */
export interface CohortRow {
  /** 1-based line number in the uploaded file (the header is line 1 in CSV). */
  line: number;
  /** The per-learner request part: credentialSubject, evidence, validUntil… (no achievement). */
  body: Record<string, unknown>;
  /** Who the row is for, as shown in manifests (never a secret, but may be personal data). */
  learner: string;
  /** Problems found while reading the row (before any credential is built). */
  problems: Problem[];
}

/** Recognised CSV columns (header names are case-insensitive; `-`, ` ` and `_` are the same). */
export const CSV_COLUMNS = {
  name: 'learner name (kept in clear, as identityType "name", so it prints on certificates)',
  email: 'email address (salted and hashed)',
  student_id: 'student id (identityType sisSourcedId; salted and hashed)',
  apaar: 'APAAR id, 12 digits (identityType ext:APAAR; salted and hashed)',
  subject_id: 'the learner DID or URL (credentialSubject.id)',
  grade: 'grade: the name of a rubric level of the achievement grading scheme (e.g. A+), else the result value',
  result_status: 'Completed (default), Failed, …',
  credits_earned: 'credits earned (number)',
  activity_start: 'activity start date-time',
  activity_end: 'activity end date-time',
  evidence_url: 'evidence link',
  evidence_name: 'evidence title',
  valid_until: 'credential expiry date-time',
} as const;

type Column = keyof typeof CSV_COLUMNS;
const normalise = (h: string) => h.trim().toLowerCase().replace(/[\s-]+/g, '_');

export class CohortFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CohortFileError';
  }
}

function isoOrProblem(value: string, path: string, problems: Problem[]): string | undefined {
  if (value === '') return undefined;
  // Dates without a time are taken as midnight UTC, the form registrars export.
  const v = /^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00Z` : value;
  if (Number.isNaN(Date.parse(v)) || !/(Z|[+-]\d{2}:\d{2})$/.test(v)) {
    problems.push({ path, message: `"${value}" is not a date (YYYY-MM-DD) or a date-time with a timezone` });
    return undefined;
  }
  return v;
}

/** Turn one CSV record into the per-learner part of an issuance request. */
export function rowFromCsv(record: Record<string, string>, line: number, achievement: Record<string, unknown>): CohortRow {
  const get = (c: Column) => (record[c] ?? '').trim();
  const problems: Problem[] = [];
  const identifier: Array<Record<string, unknown>> = [];
  if (get('name')) identifier.push({ identityType: 'name', identifier: get('name'), hashed: false });
  if (get('email')) identifier.push({ identityType: 'emailAddress', identifier: get('email').toLowerCase() });
  if (get('student_id')) identifier.push({ identityType: 'sisSourcedId', identifier: get('student_id') });
  if (get('apaar')) identifier.push({ identityType: 'ext:APAAR', identifier: get('apaar').replace(/\s+/g, '') });
  const subject: Record<string, unknown> = {};
  if (get('subject_id')) subject.id = get('subject_id');
  if (identifier.length) subject.identifier = identifier;
  if (!subject.id && !identifier.some((i) => i.identityType !== 'name')) {
    problems.push({ path: 'email', message: 'the row identifies no learner: give email, student_id, apaar or subject_id' });
  }
  if (get('credits_earned')) {
    const n = Number(get('credits_earned'));
    if (!Number.isFinite(n)) problems.push({ path: 'credits_earned', message: `"${get('credits_earned')}" is not a number` });
    else subject.creditsEarned = n;
  }
  const start = isoOrProblem(get('activity_start'), 'activity_start', problems);
  const end = isoOrProblem(get('activity_end'), 'activity_end', problems);
  if (start) subject.activityStartDate = start;
  if (end) subject.activityEndDate = end;
  const status = get('result_status') || undefined;
  if (get('grade')) {
    const scheme = ((achievement.qualityBenchmark as { assessment?: { gradingResultDescription?: string } } | undefined)?.assessment?.gradingResultDescription);
    const rds = Array.isArray(achievement.resultDescription) ? (achievement.resultDescription as Array<Record<string, unknown>>) : [];
    const rd = rds.find((d) => d.id === scheme) ?? rds.find((d) => Array.isArray(d.rubricCriterionLevel));
    const level = rd && Array.isArray(rd.rubricCriterionLevel) ? (rd.rubricCriterionLevel as Array<Record<string, unknown>>).find((l) => l.name === get('grade')) : undefined;
    if (rd && Array.isArray(rd.rubricCriterionLevel) && !level) {
      problems.push({ path: 'grade', message: `"${get('grade')}" is not a grade of ${String(rd.name ?? 'the grading scheme')} (${(rd.rubricCriterionLevel as Array<{ name?: unknown }>).map((l) => String(l.name)).join(', ')})` });
    }
    subject.result = [level ? { resultDescription: rd!.id, achievedLevel: level.id, status: status ?? 'Completed' } : { value: get('grade'), ...(status ? { status } : {}) }];
  } else if (status) {
    subject.result = [{ status }];
  }
  const body: Record<string, unknown> = { credentialSubject: subject };
  if (get('evidence_url')) body.evidence = [{ id: get('evidence_url'), ...(get('evidence_name') ? { name: get('evidence_name') } : {}) }];
  const until = isoOrProblem(get('valid_until'), 'valid_until', problems);
  if (until) body.validUntil = until;
  const learner = get('name') || get('email') || get('student_id') || (get('apaar') ? `APAAR …${get('apaar').slice(-4)}` : '') || get('subject_id') || `line ${line}`;
  return { line, body, learner, problems };
}

/** Parse a cohort file. Structural errors of the whole file throw; row problems are kept per row. */
export function parseCohort(text: string, kind: 'csv' | 'jsonl', achievement: Record<string, unknown>): CohortRow[] {
  if (kind === 'jsonl') {
    return text.split(/\r?\n/).flatMap((raw, i) => {
      if (raw.trim() === '') return [];
      try {
        const body = JSON.parse(raw) as Record<string, unknown>;
        if (!body || typeof body !== 'object' || Array.isArray(body)) throw new Error('not an object');
        const cs = (body.credentialSubject ?? {}) as { id?: unknown; identifier?: Array<{ identifier?: unknown }> };
        return [{ line: i + 1, body, learner: String(cs.id ?? cs.identifier?.[0]?.identifier ?? `line ${i + 1}`), problems: [] }];
      } catch (e) {
        return [{ line: i + 1, body: {}, learner: `line ${i + 1}`, problems: [{ path: '/', message: `not a JSON object (${(e as Error).message})` }] }];
      }
    });
  }
  let records: Array<Record<string, string>>;
  try {
    records = parseCsv(text, { columns: (header: string[]) => header.map(normalise), skip_empty_lines: true, trim: true, bom: true, relax_column_count: false }) as Array<Record<string, string>>;
  } catch (e) {
    throw new CohortFileError(`the CSV file cannot be read: ${(e as Error).message}`);
  }
  const first = records[0];
  if (first) {
    const unknown = Object.keys(first).filter((k) => !(k in CSV_COLUMNS));
    if (unknown.length) throw new CohortFileError(`unknown column(s): ${unknown.join(', ')} (known: ${Object.keys(CSV_COLUMNS).join(', ')})`);
  }
  // Line numbers: header is line 1, records follow (csv-parse skips empty lines; good enough for registrars' files).
  return records.map((r, i) => rowFromCsv(r, i + 2, achievement));
}

/**
 * Exactly once per learner and achievement version: the idempotency key of a row, so reruns,
 * resumed jobs and the same learner in two uploads never produce a second credential.
 */
export function rowIdempotencyKey(achievementId: string, version: number, body: Record<string, unknown>): string {
  const cs = (body.credentialSubject ?? {}) as { id?: unknown; identifier?: Array<{ identityType?: unknown; identifier?: unknown }> };
  const who = cs.id !== undefined ? `id:${String(cs.id)}` : (cs.identifier ?? []).filter((i) => i.identityType !== 'name').map((i) => `${String(i.identityType)}:${String(i.identifier)}`).sort().join('|');
  return `batch:${createHash('sha256').update(`${achievementId}\u0000${version}\u0000${who}`).digest('base64url')}`;
}
