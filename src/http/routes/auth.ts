import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { type Account, linkGone, staffActor } from '../../../machines/index.js';
import type { NewSession } from '../../accounts/accounts.js';
import { setupTokenIsValid } from '../../accounts/setup-link.js';
import type { SignInKey, SignInLimits } from '../../accounts/sign-in-limits.js';
import { newId } from '../../accounts/tokens.js';
import { ApiError } from '../api-error.js';
import type { RouteContext } from '../context.js';
import { deviceLabel } from '../device-label.js';
import { errorResponses } from '../schemas.js';
import { clearStaffCookie, DEVICE_COOKIE, staffCookie, staffSessionOf } from '../staff-auth.js';
import { AccountView, accountView } from '../staff-views.js';

// Signing in to the console: the first owner's setup, invite and reset links, sign-in and
// sign-out, the signed-in person's own account and password. Every POST here must come from
// our own pages (strict Origin): a cross-site page must not sign a visitor in as someone else,
// or out. Wrong passwords are limited per account and network with backoff (see
// src/accounts/sign-in-limits.ts), and a browser that has signed in before keeps its own count.

const tags = ['console'];
const DEVICE_DAYS = 365;
const Email = Type.String({ minLength: 1, maxLength: 254 });
const Password = Type.String({ minLength: 1, maxLength: 1_000 });
const Token = Type.String({ minLength: 1, maxLength: 200 });
const SignedIn = Type.Object({ account: AccountView });

export const authRoutes =
  (ctx: RouteContext & { signInLimits: SignInLimits }): FastifyPluginAsyncTypebox =>
  async (app) => {
    const { engine, clock } = ctx;
    const { accounts } = engine;

    app.addHook('onRequest', (request, _reply, done) => {
      done(request.method === 'POST' ? ctx.origins.strictRefusal(request) : undefined);
    });

    /** The device id of this browser's device cookie, if it was given for `accountId`. */
    const deviceOf = (request: FastifyRequest, accountId: string | undefined): string | undefined => {
      const raw = request.cookies[DEVICE_COOKIE];
      if (raw === undefined || accountId === undefined) return undefined;
      const { valid, value } = request.unsignCookie(raw);
      if (!valid || value === null) return undefined;
      const [forAccount, device] = value.split('.');
      return forAccount === accountId ? device : undefined;
    };

    /** Sets the session cookie, and a device cookie that marks this browser as one the account uses. */
    const signedIn = (request: FastifyRequest, reply: FastifyReply, started: NewSession) => {
      const seconds = Math.max(1, Math.floor((started.session.expiresAt - clock.now()) / 1_000));
      staffCookie(reply, request, started.token, seconds);
      const device = deviceOf(request, started.account.accountId) ?? newId();
      reply.setCookie(DEVICE_COOKIE, `${started.account.accountId}.${device}`, {
        path: '/api/auth',
        httpOnly: true,
        sameSite: 'strict',
        secure: request.protocol === 'https',
        signed: true,
        maxAge: DEVICE_DAYS * 86_400,
      });
      request.log.info({ account: started.account.accountId, session: started.session.sessionId }, 'staff signed in');
      return { account: accountView(started.account) };
    };

    /** A new session for `account`, caused by that person (the audit's who). */
    const startFor = (request: FastifyRequest, account: Account) =>
      accounts.startSession(account.accountId, deviceLabel(request.headers['user-agent']), {
        actor: staffActor(account),
        requestId: request.id,
      });

    const tooSoon = (waitMs: number): ApiError =>
      new ApiError(429, 'too_many_attempts', 'too many wrong passwords; wait a moment and try again', {
        'retry-after': String(Math.max(1, Math.ceil(waitMs / 1_000))),
      });

    const wrongPassword = (): ApiError =>
      new ApiError(401, 'invalid_credentials', 'that email and password do not match an active account');

    /** Checks credentials under the limits; the account, or a 401/429. */
    const checked = async (request: FastifyRequest, email: string, password: string): Promise<Account> => {
      const known = accounts.byEmail(email);
      const device = deviceOf(request, known?.accountId);
      const key: SignInKey = {
        account: email.trim().toLowerCase(),
        network: ctx.networkOf(request.ip),
        ...(device !== undefined && { device }),
      };
      const wait = ctx.signInLimits.waitFor(key);
      if (wait > 0) throw tooSoon(wait);
      const done = ctx.signInLimits.begin(key);
      if (done === undefined) throw tooSoon(1_000); // a check for this pair or network is running
      const account = await accounts.checkCredentials(known, password, device !== undefined).finally(done);
      if (account === undefined) {
        ctx.signInLimits.failed(key);
        throw wrongPassword();
      }
      ctx.signInLimits.succeeded(key);
      return account;
    };

    app.get(
      '/api/auth/setup',
      {
        schema: {
          tags,
          summary: 'Whether the salon still needs its first owner (the setup link works only then)',
          response: { 200: Type.Object({ needed: Type.Boolean() }) },
        },
      },
      async () => ({ needed: engine.models.accounts.accounts.size === 0 }),
    );

    app.post(
      '/api/auth/setup',
      {
        schema: {
          tags,
          summary: "The first owner's account, from the setup link printed at start; signs them in",
          body: Type.Object({ token: Token, email: Email, name: Type.String({ maxLength: 200 }), password: Password }),
          response: { 201: SignedIn, ...errorResponses(400, 403, 409, 410, 503) },
        },
      },
      async (request, reply) => {
        const { token, email, name, password } = request.body;
        if (!setupTokenIsValid(ctx.secrets.sessionSecret, token, clock.now())) {
          throw new ApiError(
            410,
            'link_invalid',
            'this setup link is not valid or has run out; restart the app for a new one',
          );
        }
        const account = await accounts.setUp({ email, name, password }, { requestId: request.id });
        return reply.code(201).send(signedIn(request, reply, await startFor(request, account)));
      },
    );

    app.post(
      '/api/auth/login',
      {
        schema: {
          tags,
          summary: 'Sign in to the console: sets an HttpOnly, SameSite=Strict session cookie',
          body: Type.Object({ email: Email, password: Password }),
          response: { 200: SignedIn, ...errorResponses(400, 401, 403, 429, 503) },
        },
      },
      async (request, reply) => {
        const account = await checked(request, request.body.email, request.body.password);
        return signedIn(request, reply, await startFor(request, account));
      },
    );

    app.post(
      '/api/auth/logout',
      {
        schema: {
          tags,
          summary: 'Sign out of the console (ends this session everywhere it is used)',
          body: Type.Object({}),
          response: { 200: Type.Object({ message: Type.String() }), ...errorResponses(403, 503) },
        },
      },
      async (request, reply) => {
        const staff = staffSessionOf(request, engine.models.accounts, clock.now());
        if (staff !== undefined) {
          await accounts.endSession(staff.session.sessionId, 'signed_out', {
            actor: staffActor(staff.account),
            requestId: request.id,
          });
        }
        clearStaffCookie(reply, request);
        return { message: 'Signed out.' };
      },
    );

    app.get(
      '/api/auth/me',
      {
        schema: {
          tags,
          summary: 'The signed-in staff member and their session',
          response: {
            200: Type.Object({
              account: AccountView,
              session: Type.Object({ id: Type.String(), expires_at: Type.String({ format: 'date-time' }) }),
            }),
            ...errorResponses(401),
          },
        },
      },
      async (request) => {
        const staff = staffSessionOf(request, engine.models.accounts, clock.now());
        if (staff === undefined) throw new ApiError(401, 'not_signed_in', 'not signed in to the console');
        return {
          account: accountView(staff.account),
          session: { id: staff.session.sessionId, expires_at: new Date(staff.session.expiresAt).toISOString() },
        };
      },
    );

    app.post(
      '/api/auth/password',
      {
        schema: {
          tags,
          summary: "Change the signed-in person's password; their other sessions end",
          body: Type.Object({ current_password: Password, new_password: Password }),
          response: { 200: Type.Object({ message: Type.String() }), ...errorResponses(400, 401, 403, 429, 503) },
        },
      },
      async (request) => {
        const staff = staffSessionOf(request, engine.models.accounts, clock.now());
        if (staff === undefined) throw new ApiError(401, 'not_signed_in', 'not signed in to the console');
        // The current password is checked under the same limits as a sign-in: a stolen
        // session must not become a fast way to guess it.
        await checked(request, staff.account.email, request.body.current_password);
        await accounts.changePassword(staff.session, request.body.new_password, {
          actor: staffActor(staff.account),
          requestId: request.id,
        });
        return { message: 'Password changed. Every other session of yours has been signed out.' };
      },
    );

    const LinkQuery = Type.Object({ token: Token });
    app.get(
      '/api/auth/link',
      {
        schema: {
          tags,
          summary: 'What an invite or password-reset link is for, while it can still be used',
          querystring: LinkQuery,
          response: {
            200: Type.Object({
              purpose: Type.Union([Type.Literal('invite'), Type.Literal('reset')]),
              email: Type.String(),
              name: Type.String(),
              role: Type.String(),
              stylist: Type.Union([Type.String(), Type.Null()]),
              expires_at: Type.String({ format: 'date-time' }),
            }),
            ...errorResponses(400, 410),
          },
        },
      },
      async (request) => {
        const link = accounts.linkFor(request.query.token);
        const person =
          link?.invite ??
          (link?.accountId === undefined ? undefined : engine.models.accounts.accounts.get(link.accountId));
        if (link === undefined || person === undefined) return linkGone();
        return {
          purpose: link.purpose,
          email: person.email,
          name: person.name,
          role: person.role,
          stylist: person.stylist ?? null,
          expires_at: new Date(link.expiresAt).toISOString(),
        };
      },
    );

    app.post(
      '/api/auth/link',
      {
        schema: {
          tags,
          summary: 'Use an invite (creates the account) or a reset link (sets a new password); signs in',
          body: Type.Object({ token: Token, password: Password }),
          response: { 200: SignedIn, ...errorResponses(400, 403, 409, 410, 503) },
        },
      },
      async (request, reply) => {
        const device = deviceLabel(request.headers['user-agent']);
        const started = await accounts.acceptLink(request.body.token, request.body.password, device, {
          requestId: request.id,
        });
        return signedIn(request, reply, started);
      },
    );
  };
