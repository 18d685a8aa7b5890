// The audit log's export: RFC 4180 CSV a spreadsheet cannot be made to run (names and reasons come
// from people and pages), and JSON Lines with the same fields.
import { describe, expect, test } from 'vitest';
import { auditCsv, auditJsonLines } from '../../src/console/audit-export';
import type { AuditRowView } from '../../src/shared-ext/views';

const row: AuditRowView = {
  id: '7',
  at: '2026-12-07T05:00:00.000Z',
  actor: '=HYPERLINK("http://evil.test","Bob")',
  actorId: 'bob',
  actorKind: 'admin',
  action: 'Granted data access',
  actionCode: 'grant.create',
  outcome: 'refused',
  reason: 'You cannot grant data access for PS-102, "wrong site".\nAsk an org admin.',
  resource: 'Data access on PS-102',
  ticket: 'PS-102',
};

describe('audit export', () => {
  test('CSV: header, quoted cells, formulas neutralised', () => {
    const lines = auditCsv([row]).split('\r\n');
    expect(lines[0]).toBe('seq,at,actor,actorId,actorKind,action,actionCode,outcome,reason,resource,ticket');
    expect(auditCsv([row])).toContain(`"'=HYPERLINK(""http://evil.test"",""Bob"")"`);
    expect(auditCsv([row])).toContain('"You cannot grant data access for PS-102, ""wrong site"".\nAsk an org admin."');
    expect(auditCsv([])).toBe('seq,at,actor,actorId,actorKind,action,actionCode,outcome,reason,resource,ticket\r\n');
  });

  test('JSON Lines: one object per row, the same fields', () => {
    const lines = auditJsonLines([row, { ...row, id: '8' }])
      .trimEnd()
      .split('\n');
    expect(lines).toHaveLength(2);
    expect(JSON.parse(lines[0]!)).toMatchObject({ seq: '7', actor: row.actor, reason: row.reason, ticket: 'PS-102' });
    expect(auditJsonLines([])).toBe('');
  });
});
