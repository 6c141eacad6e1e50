import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { SlotSummary } from '../../projections/index.js';
import { createManageTokens } from '../../src/http/manage-token.js';
import { bearerOf, tokenMatches } from '../../src/http/owner-auth.js';
import { parseInstant, parseRange } from '../../src/http/time-range.js';
import { publicSlot } from '../../src/http/views.js';
import { loadSecrets } from '../../src/secrets.js';
import { T0, tempDir } from '../support/fixtures.js';

describe('time ranges', () => {
  const zone = 'Europe/London';
  it('reads instants with a zone and salon dates as whole local days', () => {
    expect(parseInstant('2026-12-05T10:00:00Z', zone)).toBe(Date.parse('2026-12-05T10:00:00Z'));
    expect(parseInstant('2026-12-05T11:00:00+01:00', zone)).toBe(Date.parse('2026-12-05T10:00:00Z'));
    // A summer date in London starts at 23:00 UTC the day before.
    expect(parseInstant('2027-07-01', zone)).toBe(Date.parse('2027-06-30T23:00:00Z'));
    expect(parseInstant('2027-07-01', zone, 'end')).toBe(Date.parse('2027-07-01T23:00:00Z'));
  });
  it('defaults to 31 days from the given start and refuses bad windows', () => {
    expect(parseRange({}, zone, T0)).toEqual({ from: T0, to: T0 + 31 * 86_400_000 });
    expect(parseRange({ date: '2026-12-05' }, zone, T0)).toEqual({
      from: Date.parse('2026-12-05T00:00:00Z'),
      to: Date.parse('2026-12-06T00:00:00Z'),
    });
    for (const bad of [
      { from: 'soon' },
      { from: '2026-13-01' },
      { to: '2026-12-01T00:00:00Z' },
      { date: '2026-02-30' },
    ]) {
      expect(() => parseRange(bad, zone, T0)).toThrow(expect.objectContaining({ code: 'invalid_range' }));
    }
  });
});

describe('what a client may see of a slot', () => {
  const slot: SlotSummary = {
    slotId: 'anna-20261205T1000Z',
    stylist: 'Anna',
    startsAt: T0 + 7_200_000,
    endsAt: T0 + 10_800_000,
    status: 'reserved',
    hold: { holdId: 'h1', clientId: 'alice', reservedAt: T0, expiresAt: T0 + 180_000 },
    booking: null,
    endedHolds: [],
    revision: 1,
  };
  it('shows the holder its hold with the time left, others only "unavailable"', () => {
    expect(publicSlot(slot, 'alice', T0 + 1_500)).toMatchObject({ status: 'reserved', yours: true, seconds_left: 179 });
    const other = publicSlot(slot, 'bob', T0);
    expect(other).toMatchObject({ status: 'unavailable', yours: false });
    expect(JSON.stringify(other)).not.toContain('alice');
  });
  it('treats a hold past its deadline as gone, even before its expiry is logged', () => {
    expect(publicSlot(slot, 'bob', T0 + 180_000).status).toBe('available');
    expect(publicSlot(slot, 'alice', T0 + 180_000)).toMatchObject({ status: 'available', yours: false });
  });
  it('never offers a slot that has started', () => {
    expect(publicSlot({ ...slot, status: 'available', hold: null }, 'bob', slot.startsAt).status).toBe('unavailable');
  });
});

describe('tokens', () => {
  it('manage tokens are per booking, stable, and only the exact token verifies', () => {
    const tokens = createManageTokens('a-secret-of-at-least-thirty-two-characters');
    const t = tokens.issue('HF-AAAA-BBBB');
    expect(t).toBe(tokens.issue('HF-AAAA-BBBB'));
    expect(t).not.toBe(tokens.issue('HF-AAAA-BBBC'));
    expect(tokens.verify('HF-AAAA-BBBB', t)).toBe(true);
    expect(tokens.verify('HF-AAAA-BBBC', t)).toBe(false);
    expect(tokens.verify('HF-AAAA-BBBB', undefined)).toBe(false);
    expect(tokens.verify('HF-AAAA-BBBB', `${t.slice(0, -1)}é`)).toBe(false);
    expect(createManageTokens('another-secret-of-thirty-two-characters!').verify('HF-AAAA-BBBB', t)).toBe(false);
  });
  it('the owner token must match exactly, as a Bearer credential', () => {
    expect(bearerOf('Bearer abc')).toBe('abc');
    expect(bearerOf('bearer   abc ')).toBe('abc');
    expect(bearerOf('Basic abc')).toBeUndefined();
    expect(tokenMatches('abc', 'abc')).toBe(true);
    expect(tokenMatches('abc', 'abcd')).toBe(false);
    expect(tokenMatches('abc', undefined)).toBe(false);
  });
});

describe('secrets kept in DATA_DIR', () => {
  it('generates an owner token and session secret once (mode 0600), then reuses them', () => {
    const dir = tempDir();
    try {
      const first = loadSecrets(dir.path, { ownerToken: undefined, sessionSecret: undefined });
      expect(first.generatedOwnerTokenFile).toBe(join(dir.path, 'owner-token'));
      expect(first.ownerToken.length).toBeGreaterThanOrEqual(32);
      expect(statSync(join(dir.path, 'owner-token')).mode & 0o777).toBe(0o600);
      const second = loadSecrets(dir.path, { ownerToken: undefined, sessionSecret: undefined });
      expect(second).toEqual({ ownerToken: first.ownerToken, sessionSecret: first.sessionSecret });
      expect(loadSecrets(dir.path, { ownerToken: 'from-env', sessionSecret: undefined }).ownerToken).toBe('from-env');
    } finally {
      dir.remove();
    }
  });
  it('refuses a damaged secret file rather than running with a weak secret', () => {
    const dir = tempDir();
    try {
      writeFileSync(join(dir.path, 'session-secret'), 'short\n');
      expect(() => loadSecrets(dir.path, { ownerToken: 'x', sessionSecret: undefined })).toThrow(/damaged/);
    } finally {
      dir.remove();
    }
  });
});
