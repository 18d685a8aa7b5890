// One person, one email form: the same address written with other case, spaces, composed or
// decomposed accents, or full-width letters is one user in the world and one key everywhere.
import { describe, expect, it } from 'vitest';
import { accessRequestPersonKey, indexWorld, isEmailAddress, normalizeEmail, parseWorld, WorldError } from '../../src/core/index';
import { rawFixture } from './helpers';

describe('normalizeEmail', () => {
  it('folds case, surrounding space and Unicode forms to one key', () => {
    const forms = [' Alice@ACME.test ', 'alice@acme.test', '\tALICE@Acme.Test\n', '\uff21lice@acme.test'];
    expect(new Set(forms.map(normalizeEmail))).toEqual(new Set(['alice@acme.test']));
    expect(normalizeEmail('Rene\u0301@acme.test')).toBe(normalizeEmail('REN\u00c9@ACME.TEST'));
    expect(normalizeEmail('Rene\u0301@acme.test')).toBe('ren\u00e9@acme.test');
    expect(normalizeEmail('STRASSE@x.test')).toBe(normalizeEmail('stra\u00dfe@x.test'));
    expect(normalizeEmail('bob@acme.test')).not.toBe(normalizeEmail('bob2@acme.test'));
  });

  it('a world with one person under two spellings is rejected, naming the second entry', () => {
    const w = rawFixture('demo-world');
    w.users.push({ ...w.users[1], id: 'bob2', token: 'bob2-token', email: ' BOB@acme.test'.trim().toUpperCase() });
    expect(() => parseWorld(w)).toThrow(WorldError);
    const decomposed = rawFixture('demo-world');
    decomposed.users.push({ id: 'rene1', name: 'René', email: 'rene\u0301@acme.test', emailVerified: true, sites: [] });
    decomposed.users.push({ id: 'rene2', name: 'René', email: 'REN\u00c9@acme.test', emailVerified: true, sites: [] });
    expect(() => parseWorld(decomposed)).toThrow(/users\[\d+\]: duplicate user email "ren\u00e9@acme.test"/);
  });

  it('a user named by any spelling of their email is the same person key as the user', () => {
    const ix = indexWorld(parseWorld(rawFixture('demo-world')));
    expect(ix.usersByEmail.get(normalizeEmail(' Priya@ACME.test '))?.id).toBe('priya');
    expect(accessRequestPersonKey(ix, { for: { email: ' PRIYA@acme.TEST' } })).toBe(accessRequestPersonKey(ix, { for: { userId: 'priya' } }));
  });
  it('an address that only looks like another (invisible characters, a stray dot) is not an address', () => {
    for (const lookAlike of ['priya\u200b@acme.test', 'pri\u00adya@acme.test', 'priya@acme\u2060.test', 'priya@acme.test.', 'priya@acme..test', 'priya\u202e@acme.test']) {
      expect(isEmailAddress(lookAlike), JSON.stringify(lookAlike)).toBe(false);
    }
    for (const fine of ['priya@acme.test', ' Priya@ACME.test ', 'ren\u00e9@acme.test', 'new.person+tag@sub.acme.test']) expect(isEmailAddress(fine), fine).toBe(true);
  });
});
