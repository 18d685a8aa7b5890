// Every row `npm run bench` promises, by section, with its unit and target. Sections name their rows
// from here, and the runner fills in any row a section did not produce (it threw, or one part of it
// failed) as "not measured": a missing number must still show its target and a NO, not vanish.
import { notMeasured, type Row } from './stats';

export interface Expected {
  name: string;
  unit: string;
  target?: string;
}

const e = (name: string, unit: string, target?: string): Expected => ({ name, unit, ...(target ? { target } : {}) });
const clients = (c: number) => `${c} client${c > 1 ? 's' : ''}`;

export const DECISIONS = {
  ours: e('decisions: ours (engineerAccessDecision)', 'decisions/s', '≥ 2× Cedar'),
  cedar: e('decisions: Cedar (cedar-wasm)', 'decisions/s'),
};

export const ELIGIBILITY = e('scale: eligibility + qualified admins', 'ms p99', '≤ 10 ms p99');

/** The live directory at 100k people with roles through 5,000 groups (issue 21). */
export const DIRECTORY = {
  eligibility: e('scale: eligibility, roles through groups (100k people, 5k groups)', 'ms p99', '≤ 10 ms p99'),
  membership: e('latency: membership change → next decision sees it (100k people, other API instance)', 'ms p99', '≤ 100 ms p99'),
  memory: e('scale: API memory (RSS, 100k people, 5k groups)', 'MB', '≤ 400 MB'),
};

export const API = {
  demoStartup: e('scale: API startup (demo world, fixture → /healthz)', 'ms'),
  demoMemory: e('scale: API memory (RSS, demo world, idle after start)', 'MB', '≤ 150 MB'),
  startup: e('scale: API startup (100k users, fixture → /healthz)', 'ms', '≤ 2,000 ms'),
  memory: e('scale: API memory (RSS, 100k users)', 'MB', '≤ 400 MB'),
  eligibility: e('scale: GET /v1/tickets/{key}/eligibility (100k users)', 'ms p99', '≤ 10 ms p99'),
  revoke: e('latency: revoke ack → engineer refused', 'checks allowed after ack', '0 (very next check)'),
  grant: e('latency: grant ack → engineer allowed', 'ms', 'next check allowed'),
};

export type Store = 'PGlite' | 'PostgreSQL';
export const COST_LEVELS: Record<Store, number[]> = { PGlite: [1, 16, 64], PostgreSQL: [1, 16, 64] };
/** The check and its peers at `c` clients; the check's ratio is against the durable floor. */
export function apiCost(store: Store, c: number): { check: Expected; floor: Expected; floorBatched: Expected; bare: Expected } {
  const s = store === 'PGlite' ? '' : ` (${store})`;
  return {
    check: e(`API cost${s}: access check, synced, ${clients(c)}`, 'checks/s', '≥ 0.80× durable floor'),
    floor: e(`API cost${s}: durable floor (one row, own transaction, synced), ${clients(c)}`, 'req/s'),
    floorBatched: e(`API cost${s}: durable floor (group commit, synced), ${clients(c)}`, 'req/s'),
    bare: e(`API cost${s}: bare Hono route, ${clients(c)}`, 'req/s'),
  };
}
/** The same check with nothing synced, beside the durable one (what the sync costs). */
export function apiCostUnsynced(store: Store, c: number): Expected {
  const s = store === 'PGlite' ? '' : ` (${store})`;
  return e(`API cost${s}: access check, sync off, ${clients(c)}`, 'checks/s');
}
export const costRows = (store: Store): Expected[] =>
  COST_LEVELS[store].flatMap((c) => {
    const { check, ...peers } = apiCost(store, c);
    return [check, apiCostUnsynced(store, c), ...Object.values(peers)];
  });

/** Where one access check's time goes, each part measured on its own (in process, PGlite). */
export const PROFILE = {
  auth: e('profile: check — authentication (token → caller)', 'µs/op'),
  read: e('profile: check — grant read (epoch, ticket state, grants: one statement)', 'µs/op'),
  decision: e('profile: check — decision (engineerAccessDecision)', 'µs/op'),
  hash: e('profile: check — chain hash (canonical JSON + sha256, in JS)', 'µs/op'),
  insert: e('profile: check — insert (one row: head lock, hash, insert, head, notify)', 'µs/op'),
  insertBatched: e('profile: check — insert, per row in a batch of 64', 'µs/op'),
  commit: e('profile: check — empty transaction (BEGIN; COMMIT)', 'µs/op'),
  whole: e('profile: check — whole, in process (app.request, one at a time)', 'µs/op'),
};

/** Audit rows loaded: the issue's 1,000,000, or 200,000 under --quick (ten verify batches: enough that the verifier's fixed costs, worker start-up and the first batch's read with nothing to overlap, do not dominate the scaled figure). */
export const auditRows = (quick: boolean): number => (quick ? 200_000 : 1_000_000);
export function audit(quick: boolean): { query: Expected; verify: Expected; incremental: Expected; code: Expected } {
  const n = quick ? `${auditRows(quick) / 1000}k` : '1M';
  return {
    query: e(`scale: audit query by actor + week (${n} rows)`, 'ms p99'),
    // Under --quick the value is the 50k-row time scaled to 1M rows (verification is linear).
    verify: e('scale: audit full verify against signed checkpoints (1M rows)', 's', '≤ 5 s'),
    incremental: e('scale: audit incremental verify since the last checkpoint', 'ms'),
    code: e('size: audit trail code (src/server/audit/*.ts)', 'lines', '≤ half of its lines when issue 20 was filed'),
  };
}

/** Authentication per request: a person's token (in memory) and a machine's API key (a database read every use). */
export function AUTH_KEYS(store: Store): { token: Expected; key: Expected } {
  return {
    token: e('auth: personal token (hashed, in memory)', 'µs median'),
    key: e(`auth: API key lookup (${store}, read every request)`, 'µs median'),
  };
}

export const SIZE = {
  contentGz: e('size: content script (gzipped)', 'KB', '≤ 15 KB gz'),
  contentRaw: e('size: content script (raw)', 'KB'),
  panelGz: e('size: panel page (gzipped)', 'KB'),
  panelRaw: e('size: panel page (raw)', 'KB'),
};

export const UX = {
  notifyOpen: e('ux: inbox item → notification (extension page open)', 'ms', '≤ 2 s'),
  notifyAsleep: e('ux: inbox item → notification (worker asleep)', 'ms', '≤ 35 s'),
  panelWarm: e('ux: sidebar rendered → panel visible (warm cache)', 'ms', '≤ 100 ms'),
  panelCold: e('ux: sidebar rendered → panel visible (cold cache)', 'ms'),
  grantClick: e('ux: click Grant access → Support allowed (synced)', 'ms p99', '≤ 1,000 ms p99'),
  revokeClick: e('ux: click Revoke access → Support refused (synced)', 'ms p99', '≤ 1,000 ms p99'),
};

export const AUTH = {
  personal: e('auth: GET /v1/me with a personal access token', 'µs median'),
  session: e('auth: GET /v1/me with a provider session', 'µs median'),
  idToken: e('auth: ID token check at sign-in (keys cached)', 'µs median'),
};

/** SCIM provisioning over HTTP (bench/scim.ts): the issue's sizes and the --quick ones. */
export const SCIM_BENCH = { people: 100_000, groups: 5_000, quickPeople: 5_000, quickGroups: 250 };
const scimSizes = (quick: boolean) => ({
  people: Number(process.env.SCIM_BENCH_PEOPLE || (quick ? SCIM_BENCH.quickPeople : SCIM_BENCH.people)),
  groups: Number(process.env.SCIM_BENCH_GROUPS || (quick ? SCIM_BENCH.quickGroups : SCIM_BENCH.groups)),
});
export const scimPeopleRow = (people: number): Expected => e(`scale: SCIM provisioning over HTTP, ${people.toLocaleString('en')} people (POST /scim/v2/Users)`, 'people/s');
export const scimGroupsRow = (groups: number): Expected => e(`scale: SCIM provisioning over HTTP, ${groups.toLocaleString('en')} groups with members (POST /scim/v2/Groups)`, 'groups/s');

export function expectedRows(section: string, quick: boolean): Expected[] {
  switch (section) {
    case 'scim': {
      const n = scimSizes(quick);
      return [scimPeopleRow(n.people), scimGroupsRow(Math.min(n.people, n.groups))];
    }
    case 'auth':
      return Object.values(AUTH);
    case 'decisions':
      return [DECISIONS.ours, DECISIONS.cedar];
    case 'eligibility':
      return [ELIGIBILITY];
    case 'directory':
      return Object.values(DIRECTORY);
    case 'api':
      return [API.demoStartup, API.demoMemory, API.startup, API.memory, API.eligibility, API.revoke, API.grant];
    case 'api-cost':
      return [...costRows('PGlite'), ...costRows('PostgreSQL')];
    case 'profile':
      return Object.values(PROFILE);
    case 'audit':
      return Object.values(audit(quick));
    case 'auth-keys':
      // PostgreSQL's row only when DATABASE_URL is set (the section adds it then).
      return Object.values(AUTH_KEYS('PGlite'));
    case 'size':
      return Object.values(SIZE);
    case 'ux':
      return Object.values(UX);
    default:
      throw new Error(`no expected rows for section "${section}"`);
  }
}

export const notMeasuredRow = (x: Expected, reason: string): Row => notMeasured(x.name, x.unit, reason, x.target);

/**
 * The section's rows in the promised order, each promised row present: any the section did not
 * produce is "not measured" with `reason`. A row with a target always says whether it was met.
 */
export function complete(rows: Row[], expected: Expected[], reason: string): Row[] {
  const byName = new Map(rows.map((r) => [r.name, r]));
  const out = expected.map((x) => byName.get(x.name) ?? notMeasuredRow(x, reason));
  const extra = rows.filter((r) => !expected.some((x) => x.name === r.name));
  return [...out, ...extra].map((r) => (r.target !== undefined && r.met === undefined ? { ...r, met: false, note: `${r.note ? `${r.note}; ` : ''}no verdict on the target` } : r));
}
