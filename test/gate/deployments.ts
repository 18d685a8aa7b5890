// A deployment under test: on PGlite one API process on a --data folder; on PostgreSQL two replicas
// on one database of their own, sharing one --audit-key (README: "give them the same --audit-key").
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Api, type Backend, scratchDatabase, signingKeyFiles, startApi } from './harness';
import { writeWorldFile } from './world';

export interface Deployment {
  backend: Backend;
  /** The first replica (the only one on PGlite). */
  a: Api;
  /** The second replica on PostgreSQL; the same process as `a` on PGlite. */
  b: Api;
  fixture: string;
  /** --data on PGlite; the database's URL on PostgreSQL. */
  data?: string;
  databaseUrl?: string;
  keys: { privateKey: string; publicKey: string };
  /** Starts one more process on the same storage (after a stop or a kill). */
  restart(): Promise<Api>;
  /** Stops every process (a clean shutdown); the storage stays. */
  stop(): Promise<void>;
  /** Stops every process, then drops the database (PostgreSQL). */
  close(): Promise<void>;
}

export async function deploy(backend: Backend, opts: { fixture?: string; keys?: { privateKey: string; publicKey: string } } = {}): Promise<Deployment> {
  const fixture = opts.fixture ?? writeWorldFile();
  const keys = opts.keys ?? signingKeyFiles();
  const procs: Api[] = [];
  const scratch = backend === 'postgres' ? await scratchDatabase() : undefined;
  const data = backend === 'pglite' ? join(mkdtempSync(join(tmpdir(), 'ac-gate-data-')), 'db') : undefined;
  const one = async () => {
    const api = await startApi({ fixture, data, databaseUrl: scratch?.url, auditKey: keys.privateKey });
    procs.push(api);
    return api;
  };
  try {
    const a = await one();
    const b = backend === 'postgres' ? await one() : a;
    return {
      backend,
      a,
      b,
      fixture,
      data,
      databaseUrl: scratch?.url,
      keys,
      restart: one,
      stop: async () => {
        await Promise.all(procs.map((p) => p.stop()));
      },
      close: async () => {
        await Promise.all(procs.map((p) => p.stop()));
        await scratch?.drop();
      },
    };
  } catch (e) {
    await Promise.all(procs.map((p) => p.stop()));
    await scratch?.drop();
    throw e;
  }
}
