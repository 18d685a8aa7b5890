// The limiter's windows and the X-Forwarded-For walk, without a server.
import { describe, expect, it } from 'vitest';
import { FailedAuthThrottle, FixedWindowLimiter, TrustedProxies } from '../../../src/server/http/throttle';

describe('FixedWindowLimiter', () => {
  it('refuses past the limit until the window ends, then forgets', () => {
    let now = 1_000_000;
    const l = new FixedWindowLimiter(2, 60_000, () => now);
    l.count('a');
    expect(l.retryAfter('a')).toBeUndefined();
    l.count('a');
    expect(l.retryAfter('a')).toBe(60);
    expect(l.retryAfter('b')).toBeUndefined();
    now += 45_000;
    expect(l.retryAfter('a')).toBe(15);
    now += 15_000;
    expect(l.retryAfter('a')).toBeUndefined();
  });

  it('holds at most maxKeys windows, dropping the oldest', () => {
    const l = new FixedWindowLimiter(1, 60_000, () => 0, 3);
    for (const k of ['a', 'b', 'c', 'd']) l.count(k);
    expect(l.retryAfter('a')).toBeUndefined();
    for (const k of ['b', 'c', 'd']) expect(l.retryAfter(k)).toBe(60);
  });

  it('a bad token is refused when any of its keys is over the limit', () => {
    const t = new FailedAuthThrottle(1, () => 0);
    t.failed(t.keysOf('1.1.1.1', 'abcdefgh-1'));
    expect(t.retryAfter(t.keysOf('2.2.2.2', 'zzzzzzzz'))).toBeUndefined();
    expect(t.retryAfter(t.keysOf('1.1.1.1', 'zzzzzzzz'))).toBe(60);
    expect(t.retryAfter(t.keysOf('2.2.2.2', 'abcdefgh-2'))).toBe(60);
  });
});

describe('TrustedProxies', () => {
  const p = new TrustedProxies(['10.0.0.0/8', '::1', 'fd00::/8']);

  it('believes X-Forwarded-For only from a trusted peer, walking from the right to the first untrusted hop', () => {
    expect(p.clientAddress('203.0.113.9', '1.2.3.4')).toBe('203.0.113.9');
    expect(p.clientAddress('10.0.0.1', '1.2.3.4')).toBe('1.2.3.4');
    expect(p.clientAddress('10.0.0.1', '6.6.6.6, 1.2.3.4, 10.9.9.9')).toBe('1.2.3.4');
    expect(p.clientAddress('::ffff:10.0.0.1', '1.2.3.4')).toBe('1.2.3.4');
    expect(p.clientAddress('::1', 'fd00::5, 2001:db8::7')).toBe('2001:db8::7');
    expect(p.clientAddress('10.0.0.1', undefined)).toBe('10.0.0.1');
    // Garbage in a hop stops the walk at the last address a trusted proxy vouched for.
    expect(p.clientAddress('10.0.0.1', '1.2.3.4, not-an-ip')).toBe('10.0.0.1');
    expect(p.clientAddress('10.0.0.1', '10.2.2.2, 10.3.3.3')).toBe('10.2.2.2');
  });

  it('refuses entries that are not addresses or ranges', () => {
    for (const bad of ['proxy.local', '10.0.0.0/33', '10.0.0.0/8/1', '::1/129', '10.0.0.0/x']) expect(() => new TrustedProxies([bad])).toThrow(/trusted proxy/);
    expect(new TrustedProxies([' ', '127.0.0.1']).size).toBe(1);
  });
});
