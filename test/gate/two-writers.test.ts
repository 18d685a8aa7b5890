// Two writers (THREATS.md): an embedded data folder belongs to one process. A second API on the
// same --data refuses to start and names the process holding it; the first keeps serving; the
// verifier will not open a folder in use (exit 2: could not check) and checks it once it is free.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { auditVerify, call, check, signingKeyFiles, startApi, startProcess } from './harness';
import { writeWorldFile } from './world';

describe('two processes on one PGlite data folder', () => {
  it('the second refuses to start and names the first, which keeps serving', async () => {
    const fixture = writeWorldFile();
    const keys = signingKeyFiles();
    const data = join(mkdtempSync(join(tmpdir(), 'ac-gate-data-')), 'db');
    const first = await startApi({ fixture, data, auditKey: keys.privateKey });
    try {
      expect((await call(first.base, 'alice-token', 'POST', '/v1/tickets/GATE-9/grants', {})).status).toBe(201);
      const second = await startProcess({ fixture, data, auditKey: keys.privateKey });
      const code = await second.exited;
      expect(code).not.toBe(0);
      expect(second.api.stderr()).toContain(String(first.pid));
      expect(await check(first.base, 'GATE-9')).toBe(true);
      expect((await call(first.base, 'alice-token', 'POST', '/v1/tickets/GATE-10/grants', {})).status).toBe(201);
      const busy = await auditVerify(['--data', data, '--public-key', keys.publicKey]);
      expect(busy.code, busy.output).toBe(2);
    } finally {
      await first.stop();
    }
    const free = await auditVerify(['--data', data, '--public-key', keys.publicKey]);
    expect(free.code, free.output).toBe(0);
  });
});
