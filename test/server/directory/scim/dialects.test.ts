// The SCIM request dialects, piece by piece: filters as identity providers write them (RFC 7644
// §3.4.2.2, Okta's and Entra's lookups) become the directory store's terms; PATCH bodies as Okta
// and Entra write them (RFC 7644 §3.5.2) become the store's changes. The whole protocol over HTTP
// and the real store is conformance.test.ts.
import { describe, expect, it } from 'vitest';
import { ScimError } from '../../../../src/server/directory/scim/errors';
import { filterTerms } from '../../../../src/server/directory/scim/filter';
import { groupPlan, patchOperations, personPatch } from '../../../../src/server/directory/scim/patch';
import { personInput } from '../../../../src/server/directory/scim/resources';
import type { PersonRecord } from '../../../../src/server/directory/store';

const PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const BASE = 'http://api.test/scim/v2';

const ada: PersonRecord = {
  id: 'p-ada',
  email: 'ada@acme.test',
  emailNormalized: 'ada@acme.test',
  name: 'Ada Byron',
  givenName: 'Ada',
  familyName: 'Byron',
  externalId: 'okta-00u1',
  active: true,
  emailVerified: true,
  sites: ['acme-main'],
  source: 'scim',
  createdAt: '2026-12-07T09:00:00.000Z',
  updatedAt: '2026-12-07T09:00:00.000Z',
  lastSyncedAt: '2026-12-07T09:00:00.000Z',
  version: 1,
};

function refusal(f: () => unknown): ScimError {
  try {
    f();
  } catch (e) {
    if (e instanceof ScimError) return e;
    throw e;
  }
  throw new Error('expected a ScimError');
}

describe('filters', () => {
  it('reads the lookups providers make before a create, case-insensitively in operator and attribute', () => {
    expect(filterTerms('User', 'userName eq "Ada@ACME.test"')).toEqual([{ attribute: 'userName', op: 'eq', value: 'Ada@ACME.test' }]);
    expect(filterTerms('User', 'USERNAME EQ "ada@acme.test"')).toEqual([{ attribute: 'userName', op: 'eq', value: 'ada@acme.test' }]);
    expect(filterTerms('User', 'externalId eq "8d2c-aa"')).toEqual([{ attribute: 'externalId', op: 'eq', value: '8d2c-aa' }]);
    expect(filterTerms('User', 'urn:ietf:params:scim:schemas:core:2.0:User:userName eq "a@b.test"')).toEqual([{ attribute: 'userName', op: 'eq', value: 'a@b.test' }]);
  });

  it('reads co, sw, and, emails.value and emails[value eq]', () => {
    expect(filterTerms('User', 'displayName co "Byr" and emails.value sw "ada"')).toEqual([
      { attribute: 'displayName', op: 'co', value: 'Byr' },
      { attribute: 'emails.value', op: 'sw', value: 'ada' },
    ]);
    expect(filterTerms('User', 'emails[value eq "ada@acme.test"]')).toEqual([{ attribute: 'emails.value', op: 'eq', value: 'ada@acme.test' }]);
  });

  it("reads Entra's membership check on a group", () => {
    expect(filterTerms('Group', 'id eq "g1" and members[value eq "p-ada"]')).toEqual([
      { attribute: 'id', op: 'eq', value: 'g1' },
      { attribute: 'members.value', op: 'eq', value: 'p-ada' },
    ]);
  });

  it('refuses what it cannot answer with invalidFilter, never by listing everyone', () => {
    for (const [kind, text] of [
      ['User', 'userName eq "a" or userName eq "b"'],
      ['User', 'title eq "CEO"'],
      ['User', 'userName gt "a"'],
      ['User', 'userName eq'],
      ['Group', 'members.value co "x" and ((('],
      ['Group', 'userName eq "x"'],
    ] as const) {
      const e = refusal(() => filterTerms(kind, text));
      expect(e.status, text).toBe(400);
      expect(e.scimType, text).toBe('invalidFilter');
    }
  });
});

describe('User bodies', () => {
  it('takes the name from displayName, else the parts; Entra\'s "False" as false', () => {
    expect(personInput({ schemas: [], userName: 'ada@acme.test', name: { givenName: 'Ada', familyName: 'Byron' }, active: 'False', phoneNumbers: [{ value: '1' }] })).toEqual({
      email: 'ada@acme.test',
      givenName: 'Ada',
      familyName: 'Byron',
      externalId: null,
      active: false,
    });
    expect(personInput({ userName: 'ada@acme.test', displayName: 'Countess', externalId: 'x1' })).toMatchObject({ name: 'Countess', externalId: 'x1' });
  });

  it('refuses a userName that is not an email address, and a non-boolean active', () => {
    expect(refusal(() => personInput({ userName: 'ada' })).scimType).toBe('invalidValue');
    expect(refusal(() => personInput({ userName: 'ada@acme.test', active: 'maybe' })).status).toBe(400);
    expect(refusal(() => personInput({})).status).toBe(400);
  });
});

describe('PATCH on a User', () => {
  const ops = (...o: unknown[]) => patchOperations({ schemas: [PATCH], Operations: o });

  it("Okta's path-less replace deactivates", () => {
    expect(personPatch(ada, ops({ op: 'replace', value: { active: false } }), BASE)).toEqual({ active: false });
  });

  it("Entra's capitalised ops, string booleans, name and email paths", () => {
    expect(personPatch(ada, ops({ op: 'Replace', path: 'active', value: 'False' }), BASE)).toEqual({ active: false });
    expect(
      personPatch(
        ada,
        ops(
          { op: 'Replace', path: 'name.givenName', value: 'Augusta' },
          { op: 'Replace', path: 'displayName', value: 'Augusta Ada King' },
          { op: 'Add', path: 'externalId', value: 'entra-77' },
          { op: 'Replace', path: 'emails[type eq "work"].value', value: 'ada@acme.test' },
          { op: 'Add', path: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department', value: 'Maths' },
        ),
        BASE,
      ),
    ).toEqual({ givenName: 'Augusta', name: 'Augusta Ada King', externalId: 'entra-77' });
  });

  it('a path-less replace may name attributes as paths; userName changes the email', () => {
    expect(personPatch(ada, ops({ op: 'replace', value: { 'name.familyName': 'King', userName: 'ada.king@acme.test' } }), BASE)).toEqual({
      familyName: 'King',
      name: 'Ada King',
      email: 'ada.king@acme.test',
    });
  });

  it('renaming one part of a person imported with only a display name keeps the other part', () => {
    const imported: PersonRecord = { ...ada, id: 'bob', email: 'bob@acme.test', emailNormalized: 'bob@acme.test', name: 'Bob van der Stone', givenName: null, familyName: null, source: 'manual' };
    expect(personPatch(imported, ops({ op: 'Replace', path: 'name.givenName', value: 'Robert' }), BASE)).toEqual({ givenName: 'Robert', name: 'Robert van der Stone' });
    expect(personPatch(imported, ops({ op: 'replace', value: { name: { familyName: 'Stone' } } }), BASE)).toEqual({ familyName: 'Stone', name: 'Bob Stone' });
    // Only a given name stored (a display name set apart from it): the family name is what the display name holds beside it.
    const half = { ...imported, givenName: 'Bob' };
    expect(personPatch(half, ops({ op: 'replace', path: 'name.givenName', value: 'Robert' }), BASE)).toEqual({ givenName: 'Robert', name: 'Robert van der Stone' });
    // A path-less replace of `name` with one sub-attribute leaves the others (RFC 7644 §3.5.2.3).
    expect(personPatch(ada, ops({ op: 'replace', value: { name: { familyName: 'King' } } }), BASE)).toEqual({ familyName: 'King', name: 'Ada King' });
    // One word, or no name but the email: nothing else to keep.
    expect(personPatch({ ...imported, name: 'Cher' }, ops({ op: 'replace', path: 'name.familyName', value: 'Sarkisian' }), BASE)).toEqual({ familyName: 'Sarkisian', name: 'Cher Sarkisian' });
    expect(personPatch({ ...imported, name: 'bob@acme.test' }, ops({ op: 'replace', path: 'name.givenName', value: 'Robert' }), BASE)).toEqual({ givenName: 'Robert', name: 'Robert' });
  });

  it('remove clears an attribute; id and meta are read-only', () => {
    expect(personPatch(ada, ops({ op: 'remove', path: 'externalId' }), BASE)).toEqual({ externalId: null });
    expect(refusal(() => personPatch(ada, ops({ op: 'replace', path: 'id', value: 'other' }), BASE)).scimType).toBe('mutability');
    expect(refusal(() => personPatch(ada, ops({ op: 'remove', path: 'userName' }), BASE)).scimType).toBe('mutability');
  });

  it('refuses unknown ops and a remove without a path', () => {
    expect(refusal(() => ops({ op: 'merge', path: 'active', value: true })).scimType).toBe('invalidSyntax');
    expect(refusal(() => ops({ op: 'Remove' })).scimType).toBe('noTarget');
    expect(refusal(() => patchOperations({ schemas: ['urn:x'], Operations: [] })).status).toBe(400);
    expect(refusal(() => personPatch(ada, ops({ op: 'replace', path: 'active', value: 'nope' }), BASE)).status).toBe(400);
  });
});

describe('PATCH on a Group', () => {
  const ops = (...o: unknown[]) => patchOperations({ schemas: [PATCH], Operations: o });

  it("Okta's member add, members[value eq] remove and path-less rename", () => {
    expect(groupPlan('g1', ops({ op: 'add', path: 'members', value: [{ value: 'p1', display: 'P One' }, { value: 'p2' }] }))).toEqual({ add: ['p1', 'p2'], remove: [] });
    expect(groupPlan('g1', ops({ op: 'remove', path: 'members[value eq "p1"]' }))).toEqual({ add: [], remove: ['p1'] });
    expect(groupPlan('g1', ops({ op: 'replace', value: { id: 'g1', displayName: 'Admins' } }))).toEqual({ name: 'Admins', add: [], remove: [] });
  });

  it("Entra's capitalised member ops with value lists; the last op on a person wins", () => {
    expect(
      groupPlan(
        'g1',
        ops(
          { op: 'Add', path: 'members', value: [{ value: 'p1' }, { value: 'p2' }] },
          { op: 'Remove', path: 'members', value: [{ value: 'p1' }] },
          { op: 'Replace', path: 'externalId', value: 'e-9' },
        ),
      ),
    ).toEqual({ externalId: 'e-9', add: ['p2'], remove: ['p1'] });
  });

  it('replace sets the members exactly; remove of members without a value empties the group', () => {
    expect(groupPlan('g1', ops({ op: 'replace', path: 'members', value: [{ value: 'p3' }] }, { op: 'add', path: 'members', value: [{ value: 'p4' }] }))).toEqual({
      replaceMembers: ['p3', 'p4'],
      add: [],
      remove: [],
    });
    expect(groupPlan('g1', ops({ op: 'remove', path: 'members' }))).toEqual({ replaceMembers: [], add: [], remove: [] });
  });

  it('refuses an id change, a removed displayName and an unknown attribute', () => {
    expect(refusal(() => groupPlan('g1', ops({ op: 'replace', value: { id: 'g2' } }))).scimType).toBe('mutability');
    expect(refusal(() => groupPlan('g1', ops({ op: 'remove', path: 'displayName' }))).scimType).toBe('mutability');
    expect(refusal(() => groupPlan('g1', ops({ op: 'add', path: 'owners', value: ['x'] }))).scimType).toBe('invalidPath');
  });
});
