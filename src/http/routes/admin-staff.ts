import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { liveSessions, metadataOf, openInvites } from '../../../machines/index.js';
import { ApiError } from '../api-error.js';
import type { RouteContext } from '../context.js';
import { errorResponses } from '../schemas.js';
import { actorOf } from '../staff-auth.js';
import { AccountView, accountView, InviteView, inviteView, SessionView, sessionView } from '../staff-views.js';

// The owner's staff page: who has an account, invites (a one-time link to send), role and
// column changes, deactivation (which signs the person out everywhere), a password-reset
// link, the sessions signed in now and revoking any of them, and the accounts audit.

const tags = ['owner'];
const security = [{ owner: [] }, { console: [] }];
const config = { access: 'owner' as const };
const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 40 }) });
const Link = Type.Object({
  link: Type.String({ description: 'the one-time link to send to the person; shown only now' }),
  expires_at: Type.String({ format: 'date-time' }),
});

export const adminStaffRoutes =
  (ctx: RouteContext): FastifyPluginAsyncTypebox =>
  async (app) => {
    const { engine, clock } = ctx;
    const { accounts } = engine;
    const state = () => engine.models.accounts;
    const meta = (request: { id: string }) => ({ requestId: request.id });
    const base = (request: { protocol: string; host: string }) =>
      (ctx.settings.publicUrl ?? `${request.protocol}://${request.host}`).replace(/\/$/, '');
    const linkUrl = (request: { protocol: string; host: string }, path: string, token: string) =>
      `${base(request)}${path}?token=${encodeURIComponent(token)}`;

    app.get(
      '/api/admin/staff',
      {
        config,
        schema: {
          tags,
          security,
          summary: 'Staff accounts and the invites not yet used',
          response: {
            200: Type.Object({ accounts: Type.Array(AccountView), invites: Type.Array(InviteView) }),
            ...errorResponses(401, 403),
          },
        },
      },
      async () => {
        const invites = openInvites(state(), clock.now()).map(inviteView);
        return { accounts: [...state().accounts.values()].map(accountView), invites };
      },
    );

    app.post(
      '/api/admin/staff/invites',
      {
        config,
        schema: {
          tags,
          security,
          summary: 'Invite someone: a one-time link where they choose their password',
          body: Type.Object({
            name: Type.String({ maxLength: 200 }),
            email: Type.String({ maxLength: 254 }),
            role: Type.Union([Type.Literal('owner'), Type.Literal('stylist')]),
            stylist: Type.Optional(Type.String({ maxLength: 200, description: "a stylist's column in the schedule" })),
          }),
          response: {
            201: Type.Object({ invite: InviteView, ...Link.properties }),
            ...errorResponses(400, 401, 403, 409),
          },
        },
      },
      async (request, reply) => {
        const issued = await accounts.invite(request.body, { actor: actorOf(request), ...meta(request) });
        const link = state().links.get(issued.linkId);
        if (link === undefined) throw new Error(`invite ${issued.linkId} missing after it was issued`);
        request.log.info({ invite: issued.linkId }, 'staff invited');
        return reply.code(201).send({
          invite: inviteView(link),
          link: linkUrl(request, '/owner/invite', issued.token),
          expires_at: new Date(issued.expiresAt).toISOString(),
        });
      },
    );

    app.post(
      '/api/admin/staff/invites/:id/withdraw',
      {
        config,
        schema: {
          tags,
          security,
          summary: 'Withdraw an invite: its link stops working',
          params: IdParams,
          body: Type.Object({}),
          response: { 200: Type.Object({ message: Type.String() }), ...errorResponses(401, 403, 410) },
        },
      },
      async (request) => {
        await accounts.withdrawLink(request.params.id, { actor: actorOf(request), ...meta(request) });
        return { message: 'Invite withdrawn.' };
      },
    );

    app.patch(
      '/api/admin/staff/:id',
      {
        config,
        schema: {
          tags,
          security,
          summary: "Change someone's name, role, or stylist column",
          params: IdParams,
          body: Type.Object({
            name: Type.Optional(Type.String({ maxLength: 200 })),
            role: Type.Optional(Type.Union([Type.Literal('owner'), Type.Literal('stylist')])),
            stylist: Type.Optional(Type.String({ maxLength: 200 })),
          }),
          response: { 200: Type.Object({ account: AccountView }), ...errorResponses(400, 401, 403, 404, 409) },
        },
      },
      async (request) => {
        const account = await accounts.changeAccount(request.params.id, request.body, {
          actor: actorOf(request),
          ...meta(request),
        });
        return { account: accountView(account) };
      },
    );

    for (const [action, summary] of [
      ['deactivate', 'Deactivate an account: it cannot sign in, and its sessions end now'],
      ['reactivate', 'Let a deactivated account sign in again'],
    ] as const) {
      app.post(
        `/api/admin/staff/:id/${action}`,
        {
          config,
          schema: {
            tags,
            security,
            summary,
            params: IdParams,
            body: Type.Object({}),
            response: { 200: Type.Object({ account: AccountView }), ...errorResponses(401, 403, 404, 409) },
          },
        },
        async (request) => {
          const account = await accounts[action](request.params.id, { actor: actorOf(request), ...meta(request) });
          return { account: accountView(account) };
        },
      );
    }

    app.post(
      '/api/admin/staff/:id/reset-link',
      {
        config,
        schema: {
          tags,
          security,
          summary: 'A one-time link for someone who forgot their password (valid for an hour)',
          params: IdParams,
          body: Type.Object({}),
          response: { 201: Link, ...errorResponses(401, 403, 404) },
        },
      },
      async (request, reply) => {
        const issued = await accounts.issueReset(request.params.id, { actor: actorOf(request), ...meta(request) });
        return reply.code(201).send({
          link: linkUrl(request, '/owner/reset', issued.token),
          expires_at: new Date(issued.expiresAt).toISOString(),
        });
      },
    );

    app.get(
      '/api/admin/sessions',
      {
        config,
        schema: {
          tags,
          security,
          summary: 'Console sessions signed in now',
          response: { 200: Type.Object({ sessions: Type.Array(SessionView) }), ...errorResponses(401, 403) },
        },
      },
      async (request) => {
        const current = request.principal.kind === 'staff' ? request.principal.session.sessionId : undefined;
        const live = liveSessions(state(), clock.now());
        return { sessions: live.map((s) => sessionView(s, state().accounts.get(s.accountId), current)) };
      },
    );

    app.post(
      '/api/admin/sessions/:id/revoke',
      {
        config,
        schema: {
          tags,
          security,
          summary: 'Sign a session out (its next request, and its live socket, are refused)',
          params: IdParams,
          body: Type.Object({}),
          response: { 200: Type.Object({ message: Type.String() }), ...errorResponses(401, 403, 404) },
        },
      },
      async (request) => {
        if (!state().sessions.has(request.params.id)) throw new ApiError(404, 'session_not_found', 'no such session');
        await accounts.endSession(request.params.id, 'revoked', { actor: actorOf(request), ...meta(request) });
        return { message: 'Session signed out.' };
      },
    );

    app.get(
      '/api/admin/staff/history',
      {
        config,
        schema: {
          tags,
          security,
          summary: 'Every accounts event (invites, sign-ins, changes) with who caused it',
          response: {
            200: Type.Object({
              events: Type.Array(
                Type.Object({
                  type: Type.String(),
                  at: Type.String({ format: 'date-time' }),
                  who: Type.Record(Type.String(), Type.Unknown()),
                  data: Type.Record(Type.String(), Type.Unknown()),
                }),
              ),
            }),
            ...errorResponses(401, 403, 503),
          },
        },
      },
      async () => ({
        events: (await accounts.history()).map((e) => ({
          type: e.type,
          at: e.at,
          who: metadataOf(e).actor,
          data: e.data,
        })),
      }),
    );
  };
