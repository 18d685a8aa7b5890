// Provisioning through SCIM over HTTP, as an identity provider's first sync of a large org does it:
// the API started as `npm run api` starts it (its own process, the demo world, embedded PGlite),
// a `scim` key made by an org admin, then people created with POST /scim/v2/Users by concurrent
// clients, then groups created with POST /scim/v2/Groups naming their members. The size is
// 100,000 people and 5,000 groups; `--quick` runs 5,000 and 250, and SCIM_BENCH_PEOPLE /
// SCIM_BENCH_GROUPS set any other size. Every answer is checked: a create that is not a 201 fails
// the row instead of being counted.
import { join } from 'node:path';
import { SCIM_BENCH, scimPeopleRow, scimGroupsRow } from './lib/expected';
import type { Row } from './lib/stats';
import { ROOT, spawnApi } from './server/spawn-api';

const CLIENTS = 16;
const SCIM_JSON = 'application/scim+json';

function size(name: string, fallback: number): number {
  const v = process.env[name];
  if (v === undefined || v === '') return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a whole number of at least 1, not "${v}"`);
  return n;
}

/** Runs `total` jobs on `clients` concurrent workers; seconds taken. A job that throws fails the run. */
async function drive(total: number, clients: number, job: (i: number) => Promise<void>): Promise<number> {
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      for (let i = next++; i < total; i = next++) await job(i);
    }),
  );
  return (performance.now() - t0) / 1000;
}

export async function benchScim(quick: boolean): Promise<Row[]> {
  const people = size('SCIM_BENCH_PEOPLE', quick ? SCIM_BENCH.quickPeople : SCIM_BENCH.people);
  const groups = Math.min(people, size('SCIM_BENCH_GROUPS', quick ? SCIM_BENCH.quickGroups : SCIM_BENCH.groups));
  const api = await spawnApi({ fixture: join(ROOT, 'fixtures/demo-world.json'), entry: join(ROOT, 'src/server/main.ts'), timeoutMs: 180_000 });
  try {
    const made = await fetch(`${api.base}/v1/api-keys`, {
      method: 'POST',
      headers: { authorization: 'Bearer alice-token', 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'bench provisioning', scopes: ['scim'] }),
    });
    if (made.status !== 201) throw new Error(`could not make a scim key: ${made.status} ${await made.text()}`);
    const key = ((await made.json()) as { secret: string }).secret;
    const send = async (path: string, body: unknown): Promise<Record<string, unknown>> => {
      const res = await fetch(`${api.base}/scim/v2${path}`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': SCIM_JSON }, body: JSON.stringify(body) });
      const text = await res.text();
      if (res.status !== 201) throw new Error(`POST ${path} answered ${res.status}: ${text.slice(0, 300)}`);
      return JSON.parse(text) as Record<string, unknown>;
    };
    const ids: string[] = new Array(people);
    const peopleSeconds = await drive(people, CLIENTS, async (i) => {
      const u = await send('/Users', {
        schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
        userName: `person${i}@bench.example`,
        externalId: `idp-${i}`,
        name: { givenName: 'Person', familyName: String(i) },
        emails: [{ value: `person${i}@bench.example`, type: 'work', primary: true }],
        active: true,
      });
      ids[i] = u.id as string;
    });
    // Each group gets an equal slice of the people (100k / 5k: 20 members each).
    const per = Math.floor(people / groups);
    const groupSeconds = await drive(groups, CLIENTS, async (g) => {
      await send('/Groups', {
        schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
        displayName: `Bench group ${g}`,
        externalId: `idp-group-${g}`,
        members: ids.slice(g * per, (g + 1) * per).map((value) => ({ value })),
      });
    });
    const rss = api.rssMb();
    const sizes = `${people.toLocaleString('en')} people, ${groups.toLocaleString('en')} groups of ${per}, ${CLIENTS} clients, PGlite, API RSS after: ${rss.toFixed(0)} MB`;
    return [
      { ...scimPeopleRow(people), value: people / peopleSeconds, note: `${sizes}; ${peopleSeconds.toFixed(1)} s` },
      { ...scimGroupsRow(groups), value: groups / groupSeconds, note: `${(groups * per).toLocaleString('en')} memberships; ${groupSeconds.toFixed(1)} s` },
    ];
  } finally {
    await api.stop();
  }
}
