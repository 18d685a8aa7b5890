// Outside attack 3 (2026-12-08) on the simplified signed-note parser (checkpoints.ts: one regex for
// the body, one for the signature lines). A database writer edits the note stored on one row, or on
// the head, and leaves the rows alone. Every edit that changes what the note says is reported at
// the row the note is stored on: a note the parser cannot read (CRLF line ends, a seq past 2^53, a
// signature line before the blank line, an extra line) used to be reported at row 0, which names no
// row; a look-alike dash, a second signature line for the same key, and a `legacy` line added to
// a head that is not the boundary each leave the head unsigned or forged, at its row.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { verifyAuditTrail } from '../../../src/server/audit/verify';
import { noteAt, setNoteAt, signedRows, type AttackTrail } from './attack-trails';
import { ADMIN_URL, type Backend } from '../helpers';

/** Edits of a stored note that leave nothing the parser can read. */
const unreadable: [string, (note: string) => string][] = [
  ['CRLF line ends', (n) => n.replace(/\n/g, '\r\n')],
  ['a seq past 2^53 (9007199254740993)', (n) => n.replace(/\nseq \d+\n/, '\nseq 9007199254740993\n')],
  ['a signature line moved before the blank line', (n) => n.replace(/\n\n(— .*\n)/, '\n$1\n')],
  ['an extra line in the body', (n) => n.replace(/\nat /, '\nnote hello\nat ')],
  ['a CR before the final blank line', (n) => n.replace(/\n\n— /, '\n\r\n— ')],
];

for (const backend of ['pglite', 'postgres'] as Backend[]) {
  describe.skipIf(backend === 'postgres' && !ADMIN_URL)(`a signed note edited in the database, on ${backend}`, () => {
    let t: AttackTrail;
    let pristine: string[];
    beforeAll(async () => {
      t = await signedRows(backend);
      pristine = await Promise.all([1, 2, 3, 4, 5, 6].map((s) => noteAt(t.db, s)));
    });
    afterEach(async () => {
      for (let s = 1; s <= 6; s++) await setNoteAt(t.db, s, pristine[s - 1]!);
      await t.db.query('UPDATE audit_head SET signed_note = $1', [pristine[5]]);
      expect(await verifyAuditTrail(t.db, { publicKey: t.key.publicKey, allSignatures: true })).toMatchObject({ ok: true, rows: 6 });
    });
    afterAll(async () => t?.close());
    const verify = (allSignatures = false) => verifyAuditTrail(t.db, { publicKey: t.key.publicKey, allSignatures });

    for (const [name, edit] of unreadable) {
      it(`${name}: the note cannot be read, and the verdict names the row it is stored on`, async () => {
        await setNoteAt(t.db, 3, edit(pristine[2]!));
        expect(await verify()).toMatchObject({ ok: false, firstBrokenRow: 3, reason: expect.stringMatching(/signed head stored at row 3 cannot be read/) });
      });
    }

    it("the head's own note made unreadable: named at the head's row", async () => {
      await t.db.query('UPDATE audit_head SET signed_note = $1', [pristine[5]!.replace(/\n/g, '\r\n')]);
      expect(await verify()).toMatchObject({ ok: false, firstBrokenRow: 6, reason: expect.stringMatching(/stored at row 6 cannot be read/) });
    });

    it('an en dash (–) or a minus sign (−) for the em dash of a signature line: the head is unsigned at its row', async () => {
      for (const dash of ['–', '−', '-']) {
        await setNoteAt(t.db, 3, pristine[2]!.replace('\n— ', `\n${dash} `));
        expect(await verify()).toMatchObject({ ok: false, firstBrokenRow: 3, reason: expect.stringMatching(/head at row 3 is not signed by the key in effect/) });
      }
    });

    it('a second signature line for the same key after the good one: the newest head is forged, and any head with --all-signatures', async () => {
      const garbage = `— ${t.key.keyId} ${Buffer.alloc(64, 7).toString('base64')}\n`;
      await setNoteAt(t.db, 6, pristine[5]! + garbage);
      await t.db.query('UPDATE audit_head SET signed_note = $1', [pristine[5]! + garbage]);
      expect(await verify()).toMatchObject({ ok: false, firstBrokenRow: 6, reason: expect.stringMatching(/forged or altered/) });
      await setNoteAt(t.db, 6, pristine[5]!);
      await t.db.query('UPDATE audit_head SET signed_note = $1', [pristine[5]]);
      await setNoteAt(t.db, 3, pristine[2]! + garbage);
      expect(await verify(true)).toMatchObject({ ok: false, firstBrokenRow: 3, reason: expect.stringMatching(/forged or altered/) });
    });

    it('a signature too short or not base64: a verdict at the row, never a throw', async () => {
      for (const sig of ['AAAA', '!!!not-base64!!!', '']) {
        const note = pristine[5]!.replace(/(\n— \S+ )\S+\n$/, `$1${sig}\n`);
        await setNoteAt(t.db, 6, note);
        await t.db.query('UPDATE audit_head SET signed_note = $1', [note]);
        const v = await verify();
        expect(v).toMatchObject({ ok: false, firstBrokenRow: 6 });
      }
    });

    it('a `legacy` line added to a head that is not the boundary: that head is the one named, as forged', async () => {
      await setNoteAt(t.db, 3, pristine[2]!.replace(/\n\n— /, '\nlegacy 2\n\n— '));
      expect(await verify()).toMatchObject({ ok: false, firstBrokenRow: 3, reason: expect.stringMatching(/head at row 3 is not signed by this public key: it was forged or altered/) });
    });
  });
}
