import { readdirSync, readFileSync } from 'node:fs';
import { CHECKS } from './checks/index.js';
import type { ProfileDefinition } from './types.js';

const PROFILES_DIR = new URL('../../profiles/', import.meta.url);

/** The profile that every micro-credential is held to, declared or not. */
export const BASE_PROFILE = 'MC-BASE';

/** A profile file that names an unknown check or lacks a field is a bug in the data: fail loudly at load. */
export function validateProfile(p: ProfileDefinition, file = p.id): ProfileDefinition {
  const where = `profile ${file}`;
  for (const k of ['id', 'name', 'version', 'description'] as const) if (typeof p[k] !== 'string') throw new TypeError(`${where}: "${k}" must be a string`);
  if (!Array.isArray(p.rules) || p.rules.length === 0) throw new TypeError(`${where}: needs rules`);
  const ids = new Set<string>();
  for (const r of p.rules) {
    if (ids.has(r.id)) throw new TypeError(`${where}: duplicate rule ${r.id}`);
    ids.add(r.id);
    if (!CHECKS[r.check]) throw new TypeError(`${where}: rule ${r.id} names unknown check "${r.check}"`);
    if (!['error', 'warning', 'info'].includes(r.severity)) throw new TypeError(`${where}: rule ${r.id} has severity ${String(r.severity)}`);
    if (!['primary', 'secondary', 'unconfirmed'].includes(r.confidence)) throw new TypeError(`${where}: rule ${r.id} has confidence ${String(r.confidence)}`);
    if (typeof r.message !== 'string' || typeof r.source !== 'string') throw new TypeError(`${where}: rule ${r.id} needs message and source`);
    for (const key of r.source.split(/[,\s]+/).filter(Boolean)) if (!p.sources[key]) throw new TypeError(`${where}: rule ${r.id} cites unknown source ${key}`);
  }
  return p;
}

let cache: ReadonlyMap<string, ProfileDefinition> | undefined;

export function loadProfiles(): ReadonlyMap<string, ProfileDefinition> {
  if (cache) return cache;
  const map = new Map<string, ProfileDefinition>();
  for (const file of readdirSync(PROFILES_DIR).filter((f) => f.endsWith('.json')).sort()) {
    const p = validateProfile(JSON.parse(readFileSync(new URL(file, PROFILES_DIR), 'utf8')) as ProfileDefinition, file);
    map.set(p.id, p);
  }
  cache = map;
  return map;
}

export function profileIds(): string[] {
  return [...loadProfiles().keys()].filter((id) => id !== BASE_PROFILE);
}
