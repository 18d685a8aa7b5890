// The data-folder lock in one process: a live holder refuses, a dead one (gone pid, reused pid,
// unreadable file) is taken over, the folder is created private, and release leaves no file.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DataDirLocked, LOCK_FILE, lockDataDir } from '../../../src/server/db/data-lock';

const fresh = () => join(mkdtempSync(join(tmpdir(), 'ac-dlock-')), 'data');
const holder = (pid: number, startTime: string | null = null) => JSON.stringify({ pid, startTime, host: hostname(), since: '2026-01-01T00:00:00.000Z', what: 'an Access API' });

describe('data folder lock', () => {
  it('creates the folder with mode 0700, refuses a second holder while held, and release removes the file', () => {
    const dir = fresh();
    const lock = lockDataDir(dir);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(() => lockDataDir(dir)).toThrow(DataDirLocked);
    expect(() => lockDataDir(dir)).toThrow(`is in use by an Access API (pid ${process.pid}`);
    lock.release();
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
    lockDataDir(dir).release();
  });

  it('takes over a lock whose process is gone, whose pid was reused, or whose file is unreadable', () => {
    const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    const deadPid = Number(gone.stdout);
    for (const stale of [holder(deadPid), holder(process.pid, 'not-my-start-time'), '{"pid":', '']) {
      const dir = fresh();
      lockDataDir(dir).release();
      writeFileSync(join(dir, LOCK_FILE), stale);
      const lock = lockDataDir(dir);
      expect(JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8')).pid).toBe(process.pid);
      lock.release();
    }
  });
});
