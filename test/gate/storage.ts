// What a database writer can do to the audit trail, done the way one would: straight SQL on
// PostgreSQL, or on a PGlite data folder opened with @electric-sql/pglite while the API is stopped.
//
// This is the one place the gate touches storage, and it assumes as little as it can: the audit
// rows live in the table (of the API's schema) whose name contains "audit" and which holds the most
// rows, numbered 1..n by an integer column; other tables whose name contains "audit" and that have
// a column whose name contains "sig" hold signed heads; any other "audit" table is part of the
// trail (a head, say). Columns, their types and the hash rule are discovered or not needed.
// Triggers are switched off for the session (`session_replication_role = replica`), as the
// database owner can.
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';

export interface Sql {
  query(sql: string, params?: unknown[]): Promise<Record<string, unknown>[]>;
  close(): Promise<void>;
}

/** A stopped API's PGlite data folder, opened for writing. */
export async function openDataFolder(dir: string): Promise<Sql> {
  const lite = new PGlite(dir);
  await lite.waitReady;
  const db: Sql = { query: async (sql, params) => (await lite.query<Record<string, unknown>>(sql, params)).rows, close: () => lite.close() };
  await db.query('SET session_replication_role = replica');
  return db;
}

/** A PostgreSQL database, as its owner. */
export async function openDatabase(url: string): Promise<Sql> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  const db: Sql = { query: async (sql, params) => (await c.query(sql, params as unknown[])).rows, close: () => c.end() };
  await db.query('SET session_replication_role = replica');
  return db;
}

const q = (name: string) => `"${name.replaceAll('"', '""')}"`;

interface Column {
  name: string;
  type: string;
}

export interface Trail {
  /** The table of audit rows. */
  rows: string;
  /** Its row-number column. */
  position: string;
  columns: Column[];
  /** Tables rolled back by a truncation: the rows table and any head. */
  trailTables: string[];
  /** Tables of signed heads (left alone unless a test says otherwise). */
  signedTables: string[];
  /** How many rows the trail has. */
  count: number;
}

const INTEGER = new Set(['smallint', 'integer', 'bigint']);
const TEXTUAL = new Set(['text', 'character varying', 'json', 'jsonb', 'bytea']);

/** Finds the audit trail's tables and row-number column (see the head of this file). */
export async function findTrail(db: Sql): Promise<Trail> {
  const cols = (await db.query(
    `SELECT c.table_name AS t, c.column_name AS c, c.data_type AS ty
       FROM information_schema.columns c JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
      WHERE t.table_schema = current_schema() AND t.table_type = 'BASE TABLE' AND c.table_name LIKE '%audit%'
      ORDER BY c.table_name, c.ordinal_position`,
  )) as Array<{ t: string; c: string; ty: string }>;
  const tables = new Map<string, Column[]>();
  for (const r of cols) tables.set(r.t, [...(tables.get(r.t) ?? []), { name: r.c, type: r.ty }]);
  if (tables.size === 0) throw new Error('no table named like "audit" in the database: the gate cannot find the audit trail');
  const counts = new Map<string, number>();
  for (const t of tables.keys()) counts.set(t, Number((await db.query(`SELECT count(*)::int AS n FROM ${q(t)}`))[0]!.n));
  const rows = [...tables.keys()].sort((x, y) => counts.get(y)! - counts.get(x)!)[0]!;
  const signedTables = [...tables.keys()].filter((t) => t !== rows && tables.get(t)!.some((c) => c.name.includes('sig')));
  const trailTables = [rows, ...[...tables.keys()].filter((t) => t !== rows && !signedTables.includes(t))];
  const count = counts.get(rows)!;
  const columns = tables.get(rows)!;
  let position: string | undefined;
  for (const c of [...columns].sort((x, y) => Number(y.name === 'seq') - Number(x.name === 'seq'))) {
    if (!INTEGER.has(c.type)) continue;
    const [r] = await db.query(`SELECT min(${q(c.name)})::bigint AS lo, max(${q(c.name)})::bigint AS hi, count(DISTINCT ${q(c.name)})::int AS n FROM ${q(rows)}`);
    if (Number(r!.lo) === 1 && Number(r!.hi) === count && Number(r!.n) === count) {
      position = c.name;
      break;
    }
  }
  if (!position) throw new Error(`${rows} has no column numbering its ${count} rows 1..${count}`);
  return { rows, position, columns, trailTables, signedTables, count };
}

/** Every row of `tables`, as JSON text, to put back with `restore`. */
export async function snapshot(db: Sql, tables: string[]): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  for (const t of tables)
    out.set(
      t,
      (await db.query(`SELECT row_to_json(x)::text AS j FROM ${q(t)} x`)).map((r) => String(r.j)),
    );
  return out;
}

/** Replaces the contents of each table in `snap` with the rows it holds (from this or another database of the same schema). */
export async function restore(db: Sql, snap: Map<string, string[]>): Promise<void> {
  for (const [t, rows] of snap) {
    await db.query(`DELETE FROM ${q(t)}`);
    for (const j of rows) await db.query(`INSERT INTO ${q(t)} OVERRIDING SYSTEM VALUE SELECT * FROM json_populate_record(NULL::${q(t)}, $1::json)`, [j]);
  }
}

/** A column's value as text (bytes read as UTF-8). */
const asText = (c: Column) => (c.type === 'bytea' ? `convert_from(${q(c.name)}, 'UTF8')` : `${q(c.name)}::text`);
/** `expr` (text) written back as the column's type. */
const fromText = (c: Column, expr: string) => (c.type === 'bytea' ? `convert_to(${expr}, 'UTF8')` : `(${expr})::${c.type === 'character varying' ? 'text' : c.type}`);
/** The columns a reader or the hash sees: every textual one but hashes and signatures. */
const contentColumns = (trail: Trail) => trail.columns.filter((c) => TEXTUAL.has(c.type) && !c.name.includes('hash') && !c.name.includes('sig'));

/**
 * Edits the first row whose content contains `from` (after row 1), replacing it with `to` in every
 * column of that row. Returns the edited row's number and how many columns changed.
 */
export async function editFirstRowContaining(db: Sql, trail: Trail, from: string, to: string): Promise<{ position: number; columns: number }> {
  const cols = contentColumns(trail);
  const found = await db.query(
    `SELECT min(${q(trail.position)})::bigint AS p FROM ${q(trail.rows)} WHERE ${q(trail.position)} > 1 AND (${cols.map((c) => `strpos(${asText(c)}, $1) > 0`).join(' OR ')})`,
    [from],
  );
  const position = Number(found[0]!.p);
  if (!position) throw new Error(`no audit row contains "${from}"`);
  let changed = 0;
  for (const c of cols) {
    const r = await db.query(
      `UPDATE ${q(trail.rows)} SET ${q(c.name)} = ${fromText(c, `replace(${asText(c)}, $2, $3)`)} WHERE ${q(trail.position)} = $1 AND strpos(${asText(c)}, $2) > 0 RETURNING 1`,
      [position, from, to],
    );
    changed += r.length;
  }
  return { position, columns: changed };
}

/** Deletes row `position`; with `renumber`, moves every later row down one so the numbers have no gap. */
export async function deleteRow(db: Sql, trail: Trail, position: number, renumber = false): Promise<void> {
  const deleted = await db.query(`DELETE FROM ${q(trail.rows)} WHERE ${q(trail.position)} = $1 RETURNING 1`, [position]);
  if (deleted.length !== 1) throw new Error(`no row ${position} to delete`);
  if (!renumber) return;
  for (let p = position + 1; p <= trail.count; p++) await db.query(`UPDATE ${q(trail.rows)} SET ${q(trail.position)} = $1 WHERE ${q(trail.position)} = $2`, [p - 1, p]);
}

/** Swaps rows `x` and `y` (each takes the other's number). */
export async function swapRows(db: Sql, trail: Trail, x: number, y: number): Promise<void> {
  const set = (from: number, to: number) => db.query(`UPDATE ${q(trail.rows)} SET ${q(trail.position)} = $1 WHERE ${q(trail.position)} = $2 RETURNING 1`, [to, from]);
  const parked = -1_000_000;
  if ((await set(x, parked)).length !== 1) throw new Error(`no row ${x}`);
  if ((await set(y, x)).length !== 1) throw new Error(`no row ${y}`);
  await set(parked, y);
}
