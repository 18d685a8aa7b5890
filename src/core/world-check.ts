// Small checks for hand-written world validation; each failure names the entry it is about.

export class WorldError extends Error {
  constructor(
    readonly entry: string,
    detail: string,
  ) {
    super(`${entry}: ${detail}`);
    this.name = 'WorldError';
  }
}

export function check(ok: boolean, entry: string, detail: string): asserts ok {
  if (!ok) throw new WorldError(entry, detail);
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `sites[2] ("acme-eu")` — the index to find it, the id to recognise it. */
export function entryLabel(list: string, index: number | undefined, id: string | undefined): string {
  const at = index === undefined ? list : `${list}[${index}]`;
  return id === undefined ? at : `${at} ("${id}")`;
}

export function onlyKeys(v: Record<string, unknown>, at: string, allowed: string[], required: string[]): void {
  for (const k of Object.keys(v)) check(allowed.includes(k), at, `unknown key "${k}"`);
  for (const k of required) check(v[k] !== undefined, at, `missing "${k}"`);
}

export function reqString(v: Record<string, unknown>, at: string, key: string): string {
  const s = v[key];
  check(typeof s === 'string' && s.trim() !== '', at, `"${key}" must be a non-empty string`);
  return s;
}

export function optString(v: Record<string, unknown>, at: string, key: string): string | undefined {
  return v[key] === undefined ? undefined : reqString(v, at, key);
}

export function reqBool(v: Record<string, unknown>, at: string, key: string): boolean {
  const b = v[key];
  check(typeof b === 'boolean', at, `"${key}" must be true or false`);
  return b;
}

export function optBool(v: Record<string, unknown>, at: string, key: string): boolean | undefined {
  return v[key] === undefined ? undefined : reqBool(v, at, key);
}

export function reqStringArray(v: Record<string, unknown>, at: string, key: string, distinct: boolean): string[] {
  const a = v[key];
  check(Array.isArray(a) && a.every((s) => typeof s === 'string' && s.trim() !== ''), at, `"${key}" must be a list of non-empty strings`);
  if (distinct) {
    const seen = new Set<string>();
    for (const s of a as string[]) {
      check(!seen.has(s), at, `"${key}" lists "${s}" twice`);
      seen.add(s);
    }
  }
  return [...(a as string[])];
}

export function optStringArray(v: Record<string, unknown>, at: string, key: string, distinct: boolean): string[] | undefined {
  return v[key] === undefined ? undefined : reqStringArray(v, at, key, distinct);
}
