import { randomUUID } from 'node:crypto';
import cookie from '@fastify/cookie';
import cors from '@fastify/cors';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import websocket from '@fastify/websocket';
import Fastify, { type FastifyBaseLogger, type FastifyReply, type FastifyRequest, LogController } from 'fastify';
import { createSignInLimits } from '../accounts/sign-in-limits.js';
import { adminSchemas } from './admin-schemas.js';
import { ApiError } from './api-error.js';
import type {} from './command-meta.js'; // request.receivedAt
import { capConnectionsPerNetwork } from './connection-cap.js';
import type { HttpDeps, RouteContext } from './context.js';
import { answerClientError, installErrorHandling, logSocketError } from './errors.js';
import { lazyChildLogger } from './lazy-child-logger.js';
import { liveRoutes } from './live/routes.js';
import { createManageTokens } from './manage-token.js';
import { createNetworkIds } from './network.js';
import { createOwnerGuessLimit } from './owner-auth.js';
import { createProofOfWork } from './proof-of-work.js';
import { adminBookingRoutes } from './routes/admin-bookings.js';
import { adminNotificationRoutes } from './routes/admin-notifications.js';
import { adminScheduleRoutes } from './routes/admin-schedule.js';
import { adminSlotRoutes } from './routes/admin-slots.js';
import { adminStaffRoutes } from './routes/admin-staff.js';
import { adminTimeOffRoutes } from './routes/admin-time-off.js';
import { authRoutes } from './routes/auth.js';
import { bookingRoutes } from './routes/bookings.js';
import { healthRoutes } from './routes/health.js';
import { adminServiceRoutes, serviceRoutes } from './routes/services.js';
import { timeslotRoutes } from './routes/timeslots.js';
import { webRoutes } from './routes/web.js';
import { createOriginCheck } from './same-origin.js';
import { sharedSchemas } from './schemas.js';
import { securityHeaders } from './security-headers.js';
import { createSessions } from './session.js';
import { createStaffAuth } from './staff-auth.js';

// The Fastify app, built from its dependencies and never listening by itself (src/main.ts
// does), so tests drive the very same app with inject() or over a socket.

const BODY_LIMIT = 16 * 1024;
const OWNER_GUESSES_PER_MINUTE = 10;
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,64}$/;

/** A caller's X-Request-Id when it is sane, else a fresh one; stored with the events it causes. */
const requestIdOf = (header: string | string[] | undefined): string =>
  typeof header === 'string' && REQUEST_ID.test(header) ? header : randomUUID();

/** Logged URLs never carry a manage token. */
const redactUrl = (url: string): string => url.replace(/([?&]token=)[^&]*/gi, '$1[redacted]');

export const buildApp = async (deps: HttpDeps) => {
  const { settings, engine } = deps;
  const base = Fastify({
    ...(deps.logger !== undefined
      ? { loggerInstance: deps.logger as FastifyBaseLogger, childLoggerFactory: lazyChildLogger }
      : { logger: false }),
    bodyLimit: BODY_LIMIT,
    trustProxy: settings.trustProxy,
    genReqId: (req) => requestIdOf(req.headers['x-request-id']),
    // Our own onResponse line replaces Fastify's two per request (and redacts tokens).
    logController: new LogController({ requestIdLogLabel: 'requestId', disableRequestLogging: true }),
    // Our own 503 while closing (below), with a code and Retry-After like every other.
    return503OnClosing: false,
    routerOptions: { maxParamLength: 200 },
    // A request (headers and body) must arrive within requestTimeoutMs: a body dripped a
    // byte at a time no longer holds a socket for minutes. Node checks at an interval, so
    // that is tightened with the timeout (the default, 30 s, would let one live 40 s).
    requestTimeout: settings.requestTimeoutMs,
    http: {
      headersTimeout: settings.requestTimeoutMs,
      requestTimeout: settings.requestTimeoutMs,
      connectionsCheckingInterval: Math.max(100, Math.min(5_000, Math.floor(settings.requestTimeoutMs / 4))),
    },
    clientErrorHandler: answerClientError,
    // A URL Fastify cannot decode (`/api/timeslots/%zz/reserve`) in our error shape, not its own.
    frameworkErrors: (error, _request, reply) => {
      (reply as FastifyReply).code(400).send({ error: 'bad_url', message: error.message });
    },
    // An idle keep-alive connection holds a file descriptor: let it go after 10 s, not 72.
    keepAliveTimeout: 10_000,
  });
  if (settings.trustProxy === false) capConnectionsPerNetwork(base.server, settings.maxConnectionsPerIp);
  installErrorHandling(base);
  const app = base.withTypeProvider<TypeBoxTypeProvider>();
  for (const schema of [...sharedSchemas, ...adminSchemas]) app.addSchema(schema);

  // Hooks that run on every request take a callback, not a promise: an async hook costs a
  // promise and a microtask hop each, and a request passes through several.

  // One log line per request, without query secrets or bodies (customer details stay out).
  const logsRequests = deps.logger?.isLevelEnabled('info') ?? false;
  app.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? 'unmatched';
    deps.metrics.httpDuration.observe(
      { method: request.method, route, status_code: String(reply.statusCode) },
      reply.elapsedTime / 1_000,
    );
    // Built only when it will be written: a busy server at LOG_LEVEL=warn skips the work.
    if (logsRequests) {
      request.log.info(
        {
          method: request.method,
          url: redactUrl(request.url),
          status: reply.statusCode,
          ms: Math.round(reply.elapsedTime),
        },
        'request',
      );
    }
    done();
  });
  // A POST without a body is the same as an empty JSON object (the seed sends {user_id}; curl sends nothing).
  app.addHook('preValidation', (request, _reply, done) => {
    if (request.method === 'POST' && request.body === undefined) request.body = {};
    done();
  });

  // Set first thing, so every reply carries them, refusals and errors included. Once the
  // app is closing, a request still arriving on an open connection is told to come back.
  const secureHeaders = securityHeaders();
  let closing = false;
  app.addHook('preClose', (done) => {
    closing = true;
    done();
  });
  app.decorateRequest('receivedAt', 0);
  app.addHook('onRequest', (request, reply, done) => {
    request.receivedAt = performance.now();
    reply.headers(secureHeaders);
    reply.header('x-request-id', request.id);
    if (!closing) done();
    else {
      reply.header('connection', 'close');
      done(new ApiError(503, 'shutting_down', 'restarting: try again shortly', { 'retry-after': '2' }));
    }
  });
  if (settings.corsOrigins.length > 0) {
    await app.register(cors, { origin: settings.corsOrigins, credentials: true });
  }
  await app.register(cookie, { secret: deps.secrets.sessionSecret, hook: 'onRequest' });
  await app.register(rateLimit, {
    global: false,
    timeWindow: 60_000,
    max: Math.max(1, settings.rateLimitPerMinute),
    errorResponseBuilder: (_request, context) =>
      new ApiError(429, 'rate_limited', `too many requests; try again in ${context.after}`, {
        'retry-after': String(Math.ceil(context.ttl / 1_000)),
      }),
  });
  await app.register(websocket, { options: { maxPayload: 4 * 1024 }, errorHandler: logSocketError });

  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Holdfast booking API',
        version: '1',
        description:
          'Timeslot booking for a salon. Clients are identified by a session cookie the server sets on their ' +
          'first successful request. Owner endpoints take the console session cookie of a signed-in staff ' +
          'member (POST /api/auth/login; a stylist sees their own column only) or, for automation, ' +
          '`Authorization: Bearer <OWNER_TOKEN>`. Errors are `{error: "<code>", message}`. Live updates: ' +
          'WebSocket `/api/live` (staff: `/api/admin/live`).',
      },
      components: {
        securitySchemes: {
          owner: { type: 'http', scheme: 'bearer' },
          console: { type: 'apiKey', in: 'cookie', name: 'hf_staff' },
        },
      },
    },
    refResolver: { buildLocalReference: (json, _base, _fragment, i) => String(json.$id ?? `def-${i}`) },
  });
  await app.register(swaggerUi, { routePrefix: '/docs', staticCSP: true });

  const limitsOn = settings.rateLimitPerMinute > 0;
  const ctx: RouteContext = {
    ...deps,
    manageTokens: createManageTokens(deps.secrets.sessionSecret),
    sessions: createSessions({
      limitNewSessions: limitsOn
        ? app.createRateLimit({ max: settings.rateLimitPerMinute, timeWindow: 60_000 })
        : undefined,
    }),
    ownerGuesses: createOwnerGuessLimit(
      limitsOn ? app.createRateLimit({ max: OWNER_GUESSES_PER_MINUTE, timeWindow: 60_000 }) : undefined,
    ),
    networkOf: createNetworkIds(deps.secrets.sessionSecret),
    origins: createOriginCheck([
      ...settings.corsOrigins,
      ...(settings.publicUrl === undefined ? [] : [new URL(settings.publicUrl).origin]),
    ]),
    proofOfWork: createProofOfWork(deps.secrets.sessionSecret),
  };
  const requireReady = (_request: FastifyRequest, _reply: FastifyReply, done: (error?: Error) => void): void => {
    if (engine.ready) done();
    else done(new ApiError(503, 'not_ready', 'starting up: try again shortly', { 'retry-after': '1' }));
  };

  await app.register(healthRoutes(ctx));

  // Client API: every request carries a session (the identity); nothing is served mid-replay.
  await app.register(async (api) => {
    api.decorateRequest('clientId', '');
    api.decorateRequest('newSession', false);
    api.addHook('onRequest', ctx.origins.hook);
    api.addHook('onRequest', requireReady);
    api.addHook('onRequest', ctx.sessions.hook);
    api.addHook('onSend', ctx.sessions.issue);
    await api.register(timeslotRoutes(ctx));
    await api.register(serviceRoutes(ctx));
    await api.register(bookingRoutes(ctx));
  });

  // Signing in to the console (staff accounts).
  await app.register(async (auth) => {
    auth.addHook('onRequest', requireReady);
    await auth.register(authRoutes({ ...ctx, signInLimits: createSignInLimits(deps.clock) }));
  });

  // Owner API: a staff member's console session, or the API token (compared in constant
  // time; repeated wrong guesses are limited, with the live socket's: one count per IP).
  // Each route says who it admits (staff-auth.ts); a stylist is held to their own column.
  const staffAuth = createStaffAuth({
    ownerToken: deps.secrets.ownerToken,
    guesses: ctx.ownerGuesses,
    origins: ctx.origins,
    state: () => engine.models.accounts,
    clock: deps.clock,
  });
  await app.register(async (admin) => {
    admin.decorateRequest('principal', null as never); // set by authenticate before any handler
    admin.addHook('onRequest', requireReady);
    admin.addHook('onRequest', staffAuth.authenticate);
    admin.addHook('preHandler', staffAuth.authorise);
    await admin.register(adminScheduleRoutes(ctx));
    await admin.register(adminSlotRoutes(ctx));
    await admin.register(adminBookingRoutes(ctx));
    await admin.register(adminServiceRoutes(ctx));
    await admin.register(adminNotificationRoutes(ctx));
    await admin.register(adminStaffRoutes(ctx));
    await admin.register(adminTimeOffRoutes(ctx));
  });

  await app.register(liveRoutes(ctx));
  if (settings.webRoot !== undefined) await app.register(webRoutes(settings.webRoot));
  deps.metrics.watch(engine, deps.clock);
  return app;
};

export type App = Awaited<ReturnType<typeof buildApp>>;
