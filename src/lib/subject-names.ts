/**
 * The learner names a credential subject shows in the clear, in order and without repeats: its
 * `name` (not an OB 3.0 AchievementSubject property, but a VCDM 2.0 term that issuers and the
 * 1EdTech validator's fixtures use) and every IdentityObject of identityType "name" with
 * `hashed: false` (the OB 3.0 way, whose value is in `identityHash`). Blank names are skipped.
 */
export function clearNames(subject: unknown): string[] {
  if (!subject || typeof subject !== 'object' || Array.isArray(subject)) return [];
  const { name, identifier } = subject as { name?: unknown; identifier?: unknown };
  const names: string[] = [];
  const add = (v: unknown) => {
    if (typeof v === 'string' && v.trim() !== '' && !names.includes(v.trim())) names.push(v.trim());
  };
  add(name);
  for (const entry of Array.isArray(identifier) ? (identifier as unknown[]) : []) {
    if (!entry || typeof entry !== 'object') continue;
    const { identityType, hashed, identityHash } = entry as { identityType?: unknown; hashed?: unknown; identityHash?: unknown };
    if (identityType === 'name' && hashed === false) add(identityHash);
  }
  return names;
}
