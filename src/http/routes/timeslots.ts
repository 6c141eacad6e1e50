import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { DomainError, isoTime, type Service, stylistSlug } from '../../../machines/index.js';
import { holdIsLive, holdPressure, runFrom, slotsBetween, startOptions } from '../../../projections/index.js';
import { ApiError } from '../api-error.js';
import { requestMeta } from '../command-meta.js';
import type { RouteContext } from '../context.js';
import { workFor } from '../proof-of-work.js';
import {
  BookBody,
  BookReply,
  errorResponses,
  MessageAndSlot,
  ReserveBody,
  ReserveReply,
  SeedBody,
  SlotIdParams,
  TimeslotQuery,
} from '../schemas.js';
import { parseRange, startOfSalonDay } from '../time-range.js';
import { bookingView, holdView, publicSlot, secondsLeft } from '../views.js';

// The seed's contract: list, reserve (409 when taken), book and cancel (400 without a live
// hold of yours). The caller is the session; `user_id` in a body is ignored.

const tags = ['timeslots'];
const MAX_OPTIONS_RANGE_MS = 31 * 86_400_000;

export const timeslotRoutes =
  (ctx: RouteContext): FastifyPluginAsyncTypebox =>
  async (app) => {
    const { engine, clock, settings } = ctx;
    const limited = settings.rateLimitPerMinute > 0 ? { rateLimit: { max: settings.rateLimitPerMinute } } : {};
    // Reads are cheap to ask for and can be large (92 days, every slot): four times the allowance.
    const readLimited = settings.rateLimitPerMinute > 0 ? { rateLimit: { max: settings.rateLimitPerMinute * 4 } } : {};

    // Reserves this process has let through and not yet answered, per stylist-day: a burst
    // of reserves sent at once must meet the price the earlier ones in it will have raised.
    const inFlight = new Map<string, number>();

    /**
     * What a new hold on `slotId` costs in proof of work right now (undefined: nothing), and
     * the stylist-day it counts against. No price for an answer already known: your own live
     * hold comes back as it is (a retried request), a slot held by someone else or booked is
     * refused (409), an unknown one 404.
     */
    const priceOfHold = (
      slotId: string,
      now: number,
      slots = 1,
    ): { work: number | undefined; day: string | undefined } => {
      const slot = engine.models.availability.slots.get(slotId);
      if (slot === undefined || settings.holdPressurePercent <= 0) return { work: undefined, day: undefined };
      if (slot.status === 'booked' || holdIsLive(slot, now)) return { work: undefined, day: undefined };
      const from = startOfSalonDay(slot.startsAt, settings.salonTz);
      const to = startOfSalonDay(from + 36 * 3_600_000, settings.salonTz);
      const day = `${stylistSlug(slot.stylist)}\u0000${from}`;
      const { held, bookable } = holdPressure(engine.models.availability, { stylist: slot.stylist, from, to }, now);
      // An appointment is priced as if its other slots were held already: a long hold on a
      // busy day costs more than a short one, so services do not make hoarding cheaper.
      const pending = Math.min((inFlight.get(day) ?? 0) + slots - 1, bookable - held);
      return { work: workFor({ held: held + pending, bookable }, settings.holdPressurePercent), day };
    };

    /** A service clients can book, or 404 / 409 (retired). */
    const bookableService = (serviceId: string): Service => {
      const service = engine.models.services.byId.get(serviceId);
      if (service === undefined) throw new DomainError('service_not_found', 'no such service');
      if (!service.active) throw new DomainError('service_retired', 'this service is no longer offered');
      return service;
    };

    app.get(
      '/api/salon',
      {
        schema: {
          tags,
          summary: 'The salon: name, time zone, hold length, and the stylists with upcoming slots',
          response: {
            200: Type.Object({
              name: Type.String(),
              time_zone: Type.String({ description: 'IANA zone the salon’s times are in' }),
              hold_seconds: Type.Integer(),
              cancel_cutoff_hours: Type.Integer(),
              stylists: Type.Array(Type.String()),
            }),
          },
        },
      },
      async () => {
        const now = clock.now();
        const upcoming = slotsBetween(engine.models.availability, { from: now, to: now + 92 * 86_400_000 });
        return {
          name: settings.salonName,
          time_zone: settings.salonTz,
          hold_seconds: settings.holdSeconds,
          cancel_cutoff_hours: settings.cancelCutoffHours,
          stylists: [...new Set(upcoming.map((s) => s.stylist))].sort((a, b) => a.localeCompare(b)),
        };
      },
    );

    app.get(
      '/api/timeslots',
      {
        config: readLimited,
        schema: {
          tags,
          summary: 'Timeslots: available upcoming ones by default',
          description:
            'Defaults to available slots from now for 31 days. Your own hold shows as `reserved` (yours) with its ' +
            '`expires_at`; `include=all` also lists slots you cannot take, as `unavailable`. With `service`, the ' +
            'start options instead: where the service fits on free contiguous slots of a stylist who offers it, ' +
            'each with the appointment’s `end_time` and the `slot_ids` it covers.',
          querystring: TimeslotQuery,
          response: {
            200: Type.Array(Type.Union([Type.Ref('PublicSlot'), Type.Ref('StartOption')])),
            ...errorResponses(400, 404, 409, 503),
          },
        },
      },
      async (request) => {
        const now = clock.now();
        const { from, to } = parseRange(request.query, settings.salonTz, now);
        const query = {
          from: Math.max(from, now),
          to,
          ...(request.query.stylist && { stylist: request.query.stylist }),
        };
        if (request.query.service !== undefined) {
          const service = bookableService(request.query.service);
          // Every start of a short service over months is a large answer: a month at most.
          if (query.to - query.from > MAX_OPTIONS_RANGE_MS) {
            throw new ApiError(400, 'invalid_range', 'start options cover at most 31 days; ask for a shorter range');
          }
          return startOptions(engine.models.availability, query, service, now).map((run) => {
            const [first] = run as [(typeof run)[number]];
            return {
              id: first.slotId,
              start_time: isoTime(first.startsAt),
              end_time: isoTime(run.at(-1)?.endsAt ?? first.endsAt),
              stylist: first.stylist,
              status: 'available' as const,
              slot_ids: run.map((s) => s.slotId),
            };
          });
        }
        const all = request.query.include === 'all';
        const views = slotsBetween(engine.models.availability, query).map((s) => publicSlot(s, request.clientId, now));
        return all ? views : views.filter((v) => v.status === 'available' || v.yours);
      },
    );

    app.post(
      '/api/timeslots/:id/reserve',
      {
        config: limited,
        schema: {
          tags,
          summary: 'Hold a timeslot for you alone (3 minutes by default), or with `service` a whole appointment',
          description:
            'With `service` (an id from GET /api/services) this holds the run of contiguous slots from this one ' +
            'that the service needs, all or none, under one hold and one deadline: 409 `slot_taken` if any of ' +
            'them is not free, 409 `service_does_not_fit` for a gap, the end of the day or a stylist who does ' +
            'not offer it. Book or release it with any of its slot ids. ' +
            'When much of the stylist’s day is held (HOLD_PRESSURE_PERCENT), a new hold needs a solved ' +
            'proof of work: the first try answers 428 `challenge_required` with an ALTCHA `challenge`; ' +
            'solve it and send the solution, base64 JSON, as `altcha`. A bad, expired or reused one: 403 ' +
            '`challenge_failed` with a new challenge. After your hold on a slot ends, you (and your network) ' +
            'cannot hold it again for HOLD_COOLDOWN_SECONDS: 429 `hold_cooldown` with Retry-After.',
          params: SlotIdParams,
          body: ReserveBody,
          response: { 200: ReserveReply, ...errorResponses(400, 403, 404, 409, 428, 429, 503) },
        },
      },
      async (request) => {
        const { id } = request.params;
        const network = ctx.networkOf(request.ip);
        const service = request.body.service === undefined ? undefined : bookableService(request.body.service);
        // The run the service needs, as the read model shows it; the hold decides again on the slots.
        const run =
          service === undefined
            ? undefined
            : {
                slotIds: runFrom(engine.models.availability, id, service).map((s) => s.slotId),
                service: { id: service.serviceId, name: service.name, durationMinutes: service.durationMinutes },
              };
        const slots = run?.slotIds.length ?? 1;
        const { work, day } = priceOfHold(id, clock.now(), slots);
        if (day !== undefined) inFlight.set(day, (inFlight.get(day) ?? 0) + slots);
        let result: Awaited<ReturnType<typeof engine.reserve>>;
        try {
          if (work !== undefined) await ctx.proofOfWork.require(request.body.altcha, id, network, work);
          result = await engine.reserve(id, request.clientId, { ...requestMeta(request), network }, run);
        } finally {
          if (day !== undefined) {
            const left = (inFlight.get(day) ?? slots) - slots;
            if (left > 0) inFlight.set(day, left);
            else inFlight.delete(day);
          }
        }
        const now = clock.now();
        const hold = result.slot.hold;
        const expiresAt = hold?.expiresAt ?? now;
        const slot = engine.models.availability.slots.get(id);
        if (slot === undefined || hold === null) throw new Error(`slot ${id} or its hold missing from read model`);
        request.log.info({ slotId: id, holdId: hold.holdId, expiresAt }, 'timeslot reserved');
        return {
          message: 'Timeslot reserved: complete your booking before it expires.',
          timeslot: publicSlot(slot, request.clientId, now),
          expires_at: isoTime(expiresAt),
          seconds_left: secondsLeft(expiresAt, now),
          hold: holdView(slot, hold),
        };
      },
    );

    app.post(
      '/api/timeslots/:id/book',
      {
        config: limited,
        schema: {
          tags,
          summary: 'Confirm your hold as a booking',
          params: SlotIdParams,
          body: BookBody,
          response: { 200: BookReply, ...errorResponses(400, 404, 409, 429, 503) },
        },
      },
      async (request) => {
        const { id } = request.params;
        const result = await engine.book(id, request.clientId, request.body.customer, requestMeta(request));
        const ref = result.slot.booking?.bookingId ?? '';
        const booking = engine.models.bookings.byId.get(ref);
        const slot = engine.models.availability.slots.get(id);
        if (booking === undefined || slot === undefined) throw new Error(`booking ${ref} missing from read model`);
        const now = clock.now();
        request.log.info({ slotId: id, reference: ref }, 'timeslot booked');
        return {
          message: 'Booked. Keep your reference and manage token to change or cancel.',
          booking: bookingView(booking, {
            now,
            cancelCutoffMs: settings.cancelCutoffHours * 3_600_000,
            manageToken: ctx.manageTokens.issue(ref),
          }),
          timeslot: publicSlot(slot, request.clientId, now),
        };
      },
    );

    app.post(
      '/api/timeslots/:id/cancel',
      {
        config: limited,
        schema: {
          tags,
          summary: 'Release your hold',
          params: SlotIdParams,
          body: SeedBody,
          response: { 200: MessageAndSlot, ...errorResponses(400, 404, 409, 429, 503) },
        },
      },
      async (request) => {
        const { id } = request.params;
        await engine.cancelHold(id, request.clientId, requestMeta(request));
        const slot = engine.models.availability.slots.get(id);
        if (slot === undefined) throw new Error(`slot ${id} missing from read model`);
        return { message: 'Reservation cancelled.', timeslot: publicSlot(slot, request.clientId, clock.now()) };
      },
    );
  };
