import { describe, expect, it } from 'vitest';
import {
  ACCOUNTS_STREAM,
  type AccountCommand,
  type AccountEvent,
  type AccountsState,
  createAccountsState,
  DomainError,
  decideAccounts,
  evolveAccounts,
  type RecordedEvent,
  sessionOf,
  usableLink,
} from '../../machines/index.js';
import { applyRecorded, createReadModels, decodeModels, encodeModels } from '../../projections/index.js';
import { checkPasswordRules, hashPassword, passwordMatches } from '../../src/accounts/passwords.js';
import { setupToken, setupTokenIsValid } from '../../src/accounts/setup-link.js';
import { createSignInLimits } from '../../src/accounts/sign-in-limits.js';
import { deviceLabel } from '../../src/http/device-label.js';
import { HOUR, MINUTE, simulatedClock, T0 } from '../support/fixtures.js';

// The staff accounts decider and fold (pure), password rules and hashing, the setup link,
// and the sign-in limits, each on its own.

const run = (state: AccountsState, command: AccountCommand, now = T0): AccountEvent[] => {
  const events = decideAccounts(state, command, now);
  for (const event of events) evolveAccounts(state, event);
  return events;
};
const refusal = (state: AccountsState, command: AccountCommand, now = T0): string | undefined => {
  try {
    decideAccounts(state, command, now);
    return undefined;
  } catch (error) {
    return error instanceof DomainError ? error.code : String(error);
  }
};
const salon = (): AccountsState => {
  const state = createAccountsState();
  run(state, { type: 'setUp', accountId: 'olive', email: 'Olive@Salon.example ', name: 'Olive', passwordHash: 'h0' });
  return state;
};
const inviteBen = (state: AccountsState, linkId = 'l1', tokenHash = 't1', stylist = 'Ben') =>
  run(state, {
    type: 'invite',
    linkId,
    tokenHash,
    expiresAt: T0 + 72 * HOUR,
    invite: { email: `${linkId}@salon.example`, name: 'Ben', role: 'stylist', stylist },
  });

describe('accounts decider', () => {
  it('sets the salon up once, with a normalised email', () => {
    const state = salon();
    expect(state.accounts.get('olive')).toMatchObject({ email: 'olive@salon.example', role: 'owner', active: true });
    expect(refusal(state, { type: 'setUp', accountId: 'x', email: 'x@y.example', name: 'X', passwordHash: 'h' })).toBe(
      'already_set_up',
    );
    expect(
      refusal(createAccountsState(), { type: 'setUp', accountId: 'x', email: 'nope', name: 'X', passwordHash: 'h' }),
    ).toBe('invalid_account');
  });

  it('an invite is used once, not after it runs out, and never for a taken email or column', () => {
    const state = salon();
    inviteBen(state);
    const inviting = (invite: Extract<AccountCommand, { type: 'invite' }>['invite']) =>
      refusal(state, { type: 'invite', linkId: 'l2', tokenHash: 't2', expiresAt: T0 + HOUR, invite });
    expect(inviting({ email: 'L1@salon.example', name: 'B', role: 'owner' })).toBe('email_taken');
    expect(inviting({ email: 'b2@salon.example', name: 'B', role: 'stylist', stylist: ' BEN ' })).toBe('stylist_taken');
    expect(inviting({ email: 'b2@salon.example', name: 'B', role: 'stylist' })).toBe('invalid_account');
    expect(
      refusal(state, { type: 'acceptInvite', tokenHash: 't1', accountId: 'ben', passwordHash: 'h1' }, T0 + 73 * HOUR),
    ).toBe('link_invalid');
    run(state, { type: 'acceptInvite', tokenHash: 't1', accountId: 'ben', passwordHash: 'h1' });
    expect(state.accounts.get('ben')).toMatchObject({ role: 'stylist', stylist: 'Ben', passwordHash: 'h1' });
    expect(refusal(state, { type: 'acceptInvite', tokenHash: 't1', accountId: 'ben2', passwordHash: 'h2' })).toBe(
      'link_invalid',
    );
    expect(usableLink(state, 't1', T0)).toBeUndefined();
    // A withdrawn invite frees its email and column, and cannot be used.
    inviteBen(state, 'l3', 't3', 'Chloé');
    run(state, { type: 'withdrawLink', linkId: 'l3' });
    expect(refusal(state, { type: 'acceptInvite', tokenHash: 't3', accountId: 'c', passwordHash: 'h' })).toBe(
      'link_invalid',
    );
  });

  it('a changed password ends every other session of that person; deactivation ends them all', () => {
    const state = salon();
    inviteBen(state);
    run(state, { type: 'acceptInvite', tokenHash: 't1', accountId: 'ben', passwordHash: 'h1' });
    for (const [sessionId, accountId] of [
      ['s1', 'ben'],
      ['s2', 'ben'],
      ['s3', 'olive'],
    ] as const) {
      run(state, { type: 'signIn', sessionId, tokenHash: `x${sessionId}`, accountId, expiresAt: T0 + HOUR });
    }
    run(state, { type: 'changePassword', accountId: 'ben', passwordHash: 'h9', keptSessionId: 's2' });
    expect([...state.sessions.keys()].sort()).toEqual(['s2', 's3']);
    expect(sessionOf(state, 'xs2', T0)?.accountId).toBe('ben');
    expect(sessionOf(state, 'xs2', T0 + HOUR)).toBeUndefined(); // run out
    run(state, { type: 'deactivate', accountId: 'ben' });
    expect(sessionOf(state, 'xs2', T0)).toBeUndefined();
    expect(
      refusal(state, { type: 'signIn', sessionId: 's4', tokenHash: 'x', accountId: 'ben', expiresAt: T0 + HOUR }),
    ).toBe('account_inactive');
    expect(run(state, { type: 'signOut', sessionId: 's1', reason: 'revoked' })).toEqual([]); // already gone
  });

  it('keeps one active owner at least', () => {
    const state = salon();
    expect(refusal(state, { type: 'deactivate', accountId: 'olive' })).toBe('last_owner');
    expect(refusal(state, { type: 'changeAccount', accountId: 'olive', role: 'stylist', stylist: 'Olive' })).toBe(
      'last_owner',
    );
    expect(refusal(state, { type: 'changeAccount', accountId: 'nobody', name: 'X' })).toBe('account_not_found');
    expect(run(state, { type: 'changeAccount', accountId: 'olive', name: 'Olive' })).toEqual([]); // nothing changes
  });

  it('forgets sessions that ran out as new ones start', () => {
    const state = salon();
    run(state, { type: 'signIn', sessionId: 'old', tokenHash: 'a', accountId: 'olive', expiresAt: T0 + MINUTE });
    run(
      state,
      { type: 'signIn', sessionId: 'new', tokenHash: 'b', accountId: 'olive', expiresAt: T0 + 3 * HOUR },
      T0 + HOUR,
    );
    expect([...state.sessions.keys()]).toEqual(['new']);
    expect(state.sessionByToken.has('a')).toBe(false);
  });
});

describe('passwords', () => {
  it('refuses short, common, few-character and personal passwords', async () => {
    const code = (password: unknown, person = {}) =>
      checkPasswordRules(password, person).then(
        () => 'ok',
        (error: DomainError) => error.code,
      );
    expect(await code('eleven-char')).toBe('weak_password');
    expect(await code('1q2w3e4r5t6y')).toBe('weak_password'); // in the common list
    expect(await code('aaaaaaaaaaaaaaaa')).toBe('weak_password');
    expect(await code('olive-at-the-salon-42', { email: 'olive@salon.example' })).toBe('weak_password');
    expect(await code('x'.repeat(150) + 'yz12'.repeat(20))).toBe('weak_password'); // over 200
    expect(await code(42)).toBe('weak_password');
    expect(await code('tulip-harbour-42', { email: 'ben@salon.example', name: 'Ben' })).toBe('ok');
  });

  it('hashes with argon2id and verifies only the same password', async () => {
    const hash = await hashPassword('tulip-harbour-42');
    expect(hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(await passwordMatches(hash, 'tulip-harbour-42')).toBe(true);
    expect(await passwordMatches(hash, 'tulip-harbour-43')).toBe(false);
    expect(await passwordMatches('not a hash', 'tulip-harbour-42')).toBe(false);
  });
});

describe('hashing under a flood', () => {
  it('checks a browser that signed in before ahead of the queue', async () => {
    const hash = await hashPassword('tulip-harbour-42');
    const finished: string[] = [];
    const flood = Array.from({ length: 12 }, (_, i) =>
      passwordMatches(hash, `wrong-${i}`).then(() => finished.push('flood')),
    );
    const known = passwordMatches(hash, 'tulip-harbour-42', true).then((ok) => {
      finished.push('known');
      return ok;
    });
    await Promise.all(flood);
    expect(await known).toBe(true);
    // Behind the two already running and, at most, the one that started beside it (not 12th).
    expect(finished.indexOf('known')).toBeLessThanOrEqual(3);
  });
});

describe('setup link', () => {
  it('is valid for an hour, under this salon’s secret only', () => {
    const token = setupToken('secret-a-0123456789', T0);
    expect(setupTokenIsValid('secret-a-0123456789', token, T0 + 59 * MINUTE)).toBe(true);
    expect(setupTokenIsValid('secret-a-0123456789', token, T0 + 60 * MINUTE)).toBe(false);
    expect(setupTokenIsValid('secret-b-0123456789', token, T0)).toBe(false);
    expect(setupTokenIsValid('secret-a-0123456789', token.replace('setup-', 'setup-9'), T0)).toBe(false);
    expect(setupTokenIsValid('secret-a-0123456789', 'junk', T0)).toBe(false);
  });
});

describe('sign-in limits', () => {
  it('back off per account and network, doubling, and count a known device apart', () => {
    const clock = simulatedClock();
    const limits = createSignInLimits(clock);
    const pair = { account: 'olive@salon.example', network: 'n1' };
    for (let i = 0; i < 5; i += 1) {
      expect(limits.waitFor(pair)).toBe(0);
      limits.failed(pair);
    }
    expect(limits.waitFor(pair)).toBe(1_000);
    expect(limits.waitFor({ ...pair, network: 'n2' })).toBe(0);
    expect(limits.waitFor({ ...pair, account: 'ben@salon.example' })).toBe(0);
    expect(limits.waitFor({ ...pair, device: 'd1' })).toBe(0);
    clock.increment(1_000);
    limits.failed(pair);
    expect(limits.waitFor(pair)).toBe(2_000);
    limits.succeeded(pair);
    expect(limits.waitFor(pair)).toBe(0);
  });

  it('cap unknown browsers on one account from every network together', () => {
    const clock = simulatedClock();
    const limits = createSignInLimits(clock);
    for (let i = 0; i < 100; i += 1) limits.failed({ account: 'olive@salon.example', network: `n${i}` });
    expect(limits.waitFor({ account: 'olive@salon.example', network: 'fresh' })).toBeGreaterThan(0);
    expect(limits.waitFor({ account: 'olive@salon.example', network: 'fresh', device: 'known' })).toBe(0);
    clock.increment(HOUR);
    expect(limits.waitFor({ account: 'olive@salon.example', network: 'fresh' })).toBe(0);
  });
});

describe('device labels', () => {
  it('names a browser and system, never keeping the User-Agent', () => {
    const iphone =
      'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1';
    expect(deviceLabel(iphone)).toBe('Safari on iPhone');
    expect(deviceLabel('Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/120.0 Safari/537.36')).toBe(
      'Chrome on Linux',
    );
    expect(deviceLabel('curl/8.0')).toBe('another program');
    expect(deviceLabel(undefined)).toBeUndefined();
  });
});

describe('accounts in a read-model snapshot', () => {
  it('come back equal to the fold, sessions findable by token', () => {
    const models = createReadModels();
    const facts: AccountEvent[] = [];
    const state = salon();
    inviteBen(state);
    for (const command of [
      { type: 'acceptInvite', tokenHash: 't1', accountId: 'ben', passwordHash: 'h1' },
      { type: 'signIn', sessionId: 's1', tokenHash: 'x1', accountId: 'ben', expiresAt: T0 + HOUR },
      { type: 'signIn', sessionId: 's2', tokenHash: 'x2', accountId: 'olive', expiresAt: T0 + HOUR },
      { type: 'signOut', sessionId: 's2', reason: 'signed_out' },
    ] as AccountCommand[]) {
      facts.push(...run(state, command));
    }
    const stream = [
      ...decideAccounts(
        createAccountsState(),
        { type: 'setUp', accountId: 'olive', email: 'olive@salon.example', name: 'Olive', passwordHash: 'h0' },
        T0,
      ),
      ...decideAccounts(
        salon(),
        {
          type: 'invite',
          linkId: 'l1',
          tokenHash: 't1',
          expiresAt: T0 + 72 * HOUR,
          invite: { email: 'l1@salon.example', name: 'Ben', role: 'stylist', stylist: 'Ben' },
        },
        T0,
      ),
      ...facts,
    ];
    stream.forEach((event, i) => {
      applyRecorded(models, {
        ...event,
        streamId: ACCOUNTS_STREAM,
        revision: i,
        position: i + 1,
        recordedAt: new Date(T0).toISOString(),
        metadata: {},
      } as unknown as RecordedEvent);
    });
    const mark = { position: models.position, streamId: ACCOUNTS_STREAM, revision: stream.length - 1, recordedAt: '' };
    const back = decodeModels(JSON.parse(JSON.stringify(encodeModels(models, 'fold', mark))));
    expect(back.accounts).toEqual(models.accounts);
    expect(sessionOf(back.accounts, 'x1', T0)?.accountId).toBe('ben');
    expect(sessionOf(back.accounts, 'x2', T0)).toBeUndefined();
  });
});
