import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import type { WebSocket } from 'ws';
import { ACCOUNTS_STREAM, slotIdOfStream, stylistSlug } from '../../../machines/index.js';
import type { SlotSummary } from '../../../projections/index.js';
import { ApiError } from '../api-error.js';
import type { RouteContext } from '../context.js';
import { bearerOf, tokenMatches } from '../owner-auth.js';
import { columnRefusal, staffSessionOf } from '../staff-auth.js';
import { ownerSlot, publicSlot } from '../views.js';
import { type Allowance, createAllowance, MESSAGE_COST } from './allowance.js';
import { createSnapshotTexts } from './snapshots.js';
import { createSocketCap } from './socket-cap.js';
import { type StaffSocket, staffSocketAllowed, staffSocketOf } from './staff-sockets.js';

// Live slot changes over WebSocket. On connect: a snapshot with the log position it was
// taken at; then one message per commit (`slot`, or `slots` when a commit changed several),
// sent only after it is durable and folded into the read models. Clients see the public view (their own hold as theirs,
// every other taken slot as "unavailable"); the owner stream carries full detail.
// A client that lost messages sends {"type":"resync"} (or reconnects) for a new snapshot.
// A client that cannot keep up is disconnected, not buffered for without bound; one that
// floods us with messages is disconnected too (4029), and a network may hold only so many
// sockets (MAX_SOCKETS_PER_IP). Sockets from another site's page are refused (403).

type Connection = {
  socket: WebSocket;
  /** The session's client id; undefined for the owner and for clients with no session yet. */
  viewer: string | undefined;
  owner: boolean;
  alive: boolean;
  query: { from?: string; to?: string; stylist?: string };
  /** The stylist (slug) this connection follows, if it asked for one. */
  stylist: string | undefined;
  /** What it may still send us. */
  allowance: Allowance;
  /** The console session it was opened with, and what that person could see then. */
  staff?: StaffSocket;
};

export const CLOSE_TOO_SLOW = 4008;
export const CLOSE_UNAUTHORISED = 4001;
/** Sent more messages than a socket's allowance, or one socket too many from its network. */
export const CLOSE_TOO_MANY = 4029;
const OWNER_AUTH_MS = 5_000;
const OPEN = 1;

const stringQuery = (request: FastifyRequest): Connection['query'] => {
  const raw = (request.query ?? {}) as Record<string, unknown>;
  const pick = (name: string) =>
    typeof raw[name] === 'string' && raw[name] !== '' ? (raw[name] as string) : undefined;
  const from = pick('from');
  const to = pick('to');
  const stylist = pick('stylist');
  return { ...(from && { from }), ...(to && { to }), ...(stylist && { stylist }) };
};

export const liveRoutes =
  (ctx: RouteContext): FastifyPluginAsyncTypebox =>
  async (app) => {
    const { engine, clock, settings, metrics } = ctx;
    const connections = new Set<Connection>();
    const cap = createSocketCap(settings.maxSocketsPerIp);
    const texts = createSnapshotTexts({
      models: engine.models,
      zone: settings.salonTz,
      now: () => clock.now(),
      render: (slot, now) => publicSlot(slot, undefined, now),
    });

    const view = (conn: Connection, slot: SlotSummary, now: number) =>
      conn.owner ? ownerSlot(slot, engine.models, now) : publicSlot(slot, conn.viewer, now);

    const drop = (conn: Connection, code: number, reason: string): void => {
      connections.delete(conn);
      metrics.wsClients.set(connections.size);
      if (conn.socket.readyState === OPEN) conn.socket.close(code, reason);
      // A client too slow to read will not read our close frame either.
      setTimeout(() => conn.socket.terminate(), 1_000).unref();
    };

    /** Closes a socket that is not (or no longer) a connection, and cuts it if the peer never answers. */
    const refuse = (socket: WebSocket, code: number, reason: string): void => {
      if (socket.readyState === OPEN) socket.close(code, reason);
      setTimeout(() => socket.terminate(), 1_000).unref();
    };

    /** Sends a message, or its JSON text when the caller serialized it once for many. */
    const send = (conn: Connection, message: unknown): void => {
      if (conn.socket.readyState !== OPEN) return;
      if (conn.socket.bufferedAmount > settings.maxBufferedBytes) {
        drop(conn, CLOSE_TOO_SLOW, 'too slow: reconnect to resync');
        return;
      }
      conn.socket.send(typeof message === 'string' ? message : JSON.stringify(message));
    };

    const snapshot = (conn: Connection): void => {
      let text: string;
      try {
        text = conn.owner
          ? texts.shared('owner', conn.query, (slot, now) => ownerSlot(slot, engine.models, now))
          : texts.forViewer(conn.query, conn.viewer, (slot, now) => publicSlot(slot, conn.viewer, now));
      } catch (error) {
        send(conn, { type: 'error', error: 'invalid_range', message: (error as Error).message });
        drop(conn, 1008, 'invalid range');
        return;
      }
      send(conn, text);
    };

    // One commit, one message per connection: the slots a commit changed (an expiry and a
    // new hold, every slot of an appointment) reach a client together, as `slot` for one and
    // `slots` for several, never half of them. Thousands of clients see the same public
    // view: it is serialized once per audience (everyone, the owner, per stylist followed),
    // and personally only for a client whose hold or booking is among them.
    const push = (slotIds: readonly string[]): void => {
      const now = clock.now();
      const { position } = engine.models;
      const slots = slotIds.flatMap((id) => engine.models.availability.slots.get(id) ?? []);
      if (slots.length === 0) return;
      const message = (views: unknown[]): string =>
        JSON.stringify(
          views.length === 1
            ? { type: 'slot', position, timeslot: views[0] }
            : { type: 'slots', position, timeslots: views },
        );
      const shared = new Map<string, string>();
      for (const conn of connections) {
        const mine = conn.stylist === undefined ? slots : slots.filter((s) => stylistSlug(s.stylist) === conn.stylist);
        if (mine.length === 0) continue;
        const viewer = conn.owner ? undefined : conn.viewer;
        if (viewer !== undefined && mine.some((s) => s.hold?.clientId === viewer || s.booking?.clientId === viewer)) {
          send(conn, message(mine.map((s) => publicSlot(s, viewer, now))));
          continue;
        }
        const key = `${conn.owner ? 'owner' : 'public'}\u0000${mine === slots ? '' : (conn.stylist ?? '')}`;
        let text = shared.get(key);
        if (text === undefined) {
          text = message(mine.map((s) => view(conn, s, now)));
          shared.set(key, text);
        }
        send(conn, text);
      }
    };
    // Staff sockets are checked on every accounts commit and every heartbeat (staff-sockets.ts).
    const recheckStaff = (): void => {
      const now = clock.now();
      for (const conn of connections) {
        if (conn.staff !== undefined && !staffSocketAllowed(conn.staff, engine.models.accounts, now)) {
          drop(conn, CLOSE_UNAUTHORISED, 'signed out');
        }
      }
    };
    const unsubscribe = engine.onCommitted((commit) => {
      if (connections.size === 0) return;
      if (commit.some((event) => event.streamId === ACCOUNTS_STREAM)) recheckStaff();
      const slotIds = new Set<string>();
      for (const event of commit) {
        const slotId = slotIdOfStream(event.streamId);
        if (slotId !== undefined) slotIds.add(slotId);
      }
      if (slotIds.size === 0) return;
      try {
        push([...slotIds]);
      } catch (error) {
        // Clients resync on reconnect; the commit itself is safe in the log.
        app.log.error({ err: error }, 'pushing live updates failed');
      }
    });

    const heartbeat = setInterval(() => {
      recheckStaff();
      for (const conn of connections) {
        if (!conn.alive) {
          drop(conn, 1001, 'no heartbeat');
          continue;
        }
        conn.alive = false;
        conn.socket.ping();
      }
    }, settings.heartbeatMs);
    heartbeat.unref();
    app.addHook('onClose', async () => {
      clearInterval(heartbeat);
      unsubscribe();
    });

    // The count lives in memory and does not fail; were it to, a guess goes uncounted, logged.
    const countGuess = (request: FastifyRequest): void => {
      ctx.ownerGuesses.failed(request).catch((error: unknown) => {
        ctx.logger?.warn({ err: error }, 'counting a wrong owner token failed');
      });
    };

    const accept = (socket: WebSocket, conn: Connection, authorised: boolean, request: FastifyRequest): void => {
      let authed = authorised;
      const leave = cap.enter(request.ip);
      if (leave === undefined) {
        refuse(socket, CLOSE_TOO_MANY, 'too many live connections from your network');
        return;
      }
      socket.on('pong', () => {
        conn.alive = true;
      });
      socket.on('close', () => {
        leave();
        connections.delete(conn);
        metrics.wsClients.set(connections.size);
      });
      let flooded = false;
      /** Takes `cost` from the socket's allowance; a socket that cannot pay is closed. */
      const pay = (cost: number): boolean => {
        if (!flooded && conn.allowance.take(cost)) return true;
        if (!flooded) drop(conn, CLOSE_TOO_MANY, 'too many messages: reconnect to resync');
        flooded = true;
        return false;
      };
      socket.on('message', (data) => {
        // Paid for before anything is parsed: a flood costs us a subtraction per message.
        if (!pay(MESSAGE_COST.other)) return;
        conn.alive = true;
        // A throw here would escape into the socket's event emitter and take the process
        // down, so anything that is not a JSON object is answered, never dereferenced.
        let message: { type?: unknown; token?: unknown };
        try {
          const parsed: unknown = JSON.parse(String(data));
          if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
            throw new TypeError('not an object');
          message = parsed as typeof message;
        } catch {
          send(conn, { type: 'error', error: 'invalid_json', message: 'messages are JSON objects' });
          if (!authed) refuse(socket, CLOSE_UNAUTHORISED, 'owner token required');
          return;
        }
        if (!authed) {
          if (message.type === 'auth' && tokenMatches(ctx.secrets.ownerToken, String(message.token ?? ''))) {
            authed = true;
            start();
          } else {
            if (message.type === 'auth') countGuess(request);
            refuse(socket, CLOSE_UNAUTHORISED, 'owner token required');
          }
          return;
        }
        if (message.type === 'resync') {
          if (pay(MESSAGE_COST.resync - MESSAGE_COST.other)) snapshot(conn);
        } else if (message.type === 'ping') send(conn, { type: 'pong', position: engine.models.position });
        else
          send(conn, { type: 'error', error: 'unknown_message', message: 'send {"type":"resync"} or {"type":"ping"}' });
      });
      const start = (): void => {
        if (!engine.ready) {
          refuse(socket, 1013, 'starting up: try again shortly');
          return;
        }
        connections.add(conn);
        metrics.wsClients.set(connections.size);
        snapshot(conn);
      };
      if (authed) start();
      else
        setTimeout(() => !authed && refuse(socket, CLOSE_UNAUTHORISED, 'owner token required'), OWNER_AUTH_MS).unref();
    };

    const connection = (socket: WebSocket, request: FastifyRequest, owner: boolean): Connection => {
      const query = stringQuery(request);
      const signedIn = owner ? staffSocketOf(request, engine.models.accounts, clock.now()) : undefined;
      // A stylist's socket carries their own column, whatever it asked for.
      const column = signedIn?.column;
      const stylist = column ?? query.stylist;
      return {
        socket,
        viewer: owner ? undefined : ctx.sessions.of(request),
        owner,
        alive: true,
        query: column === undefined ? query : { ...query, stylist: column },
        stylist: stylist === undefined ? undefined : stylistSlug(stylist),
        allowance: createAllowance(settings.liveAllowance),
        ...(signedIn !== undefined && { staff: signedIn.staff }),
      };
    };

    // Before the upgrade: another site's page, a network at its cap, and (with rate limits
    // on) too many new sockets a minute from one IP are refused with a coded 4xx.
    const admit = async (request: FastifyRequest): Promise<void> => {
      const refusal = ctx.origins.refusal(request);
      if (refusal !== undefined) throw refusal;
      if (cap.full(request.ip)) {
        throw new ApiError(429, 'too_many_sockets', 'too many live connections from your network', {
          'retry-after': '30',
        });
      }
    };
    const connectLimit =
      settings.rateLimitPerMinute > 0 ? { rateLimit: { max: settings.rateLimitPerMinute * 2 } } : undefined;

    app.get(
      '/api/live',
      { websocket: true, schema: { hide: true }, onRequest: admit, ...(connectLimit && { config: connectLimit }) },
      (socket, request) => {
        accept(socket, connection(socket, request, false), true, request);
      },
    );

    // The console's socket is signed in by its session cookie (a browser sends it with the
    // handshake from our own pages only: SameSite=Strict, and the Origin is checked). With
    // the API token: the Authorization header or, within 5 s, a first message
    // {"type":"auth","token":"…"} (browsers cannot set headers on a WebSocket).
    // Wrong tokens count against the same per-IP limit as the owner API's: once it is
    // reached, the upgrade itself is refused with 429.
    app.get(
      '/api/admin/live',
      {
        websocket: true,
        schema: { hide: true },
        onRequest: async (request) => {
          await admit(request);
          // A wrong token in the header from an address over its guess limit is refused here;
          // the right one is let in whatever the count (as on the API), and so is a socket
          // that will sign in with a message (the console): new sockets per IP are rate
          // limited, so guessing that way is no faster.
          const presented = bearerOf(request.headers.authorization);
          if (presented !== undefined && !tokenMatches(ctx.secrets.ownerToken, presented)) {
            await ctx.ownerGuesses.check(request);
          }
          // A stylist asking for another stylist's column is told so, not silently given their own.
          const asked = stringQuery(request).stylist;
          if (presented === undefined && asked !== undefined) {
            const account = staffSessionOf(request, engine.models.accounts, clock.now())?.account;
            const refusal = columnRefusal(account, asked);
            if (refusal !== undefined) throw refusal;
          }
        },
        ...(connectLimit && { config: connectLimit }),
      },
      (socket, request) => {
        const presented = bearerOf(request.headers.authorization);
        const byHeader = tokenMatches(ctx.secrets.ownerToken, presented);
        if (presented !== undefined && !byHeader) countGuess(request);
        const conn = connection(socket, request, true);
        // The token, when one is presented, decides; otherwise a live console session does.
        const authorised = presented !== undefined ? byHeader : conn.staff !== undefined;
        if (presented !== undefined) delete conn.staff;
        accept(socket, conn, authorised, request);
      },
    );
  };
