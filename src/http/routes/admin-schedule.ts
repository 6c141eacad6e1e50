import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Static } from 'typebox';
import { slotIdFor } from '../../../machines/index.js';
import type { OpenSlotInput } from '../../engine/engine.js';
import { expandWeeklyTemplate, type Weekday } from '../../schedule/weekly-template.js';
import { CreateTimeslotsBody, CreateTimeslotsReply } from '../admin-schemas.js';
import { ApiError, type ItemError } from '../api-error.js';
import { requestMeta } from '../command-meta.js';
import type { RouteContext } from '../context.js';
import { toApiError } from '../errors.js';
import { errorResponses } from '../schemas.js';
import { actorOf } from '../staff-auth.js';
import { parseInstant } from '../time-range.js';

// The owner opens slots: a list, or a weekly template in the salon's zone. All or nothing:
// if any slot would be refused, none is opened and every reason comes back by index.
// Repeating a request is harmless (same stylist + start is the same slot).

const MAX_SLOTS_PER_REQUEST = 5_000;

type Body = Static<typeof CreateTimeslotsBody>;

const fromList = (
  items: NonNullable<Body['timeslots']>,
  zone: string,
): { inputs: OpenSlotInput[]; errors: ItemError[] } => {
  const inputs: OpenSlotInput[] = [];
  const errors: ItemError[] = [];
  items.forEach((item, index) => {
    try {
      inputs.push({
        stylist: item.stylist,
        startsAt: parseInstant(item.start_time, zone),
        endsAt: parseInstant(item.end_time, zone),
      });
    } catch (error) {
      errors.push({ index, error: 'invalid_slot', message: error instanceof Error ? error.message : String(error) });
    }
  });
  return { inputs, errors };
};

const fromTemplate = (template: NonNullable<Body['template']>, zone: string): OpenSlotInput[] => {
  const hours: Partial<Record<Weekday, Array<[string, string]>>> = {};
  for (const [day, ranges] of Object.entries(template.hours) as Array<[Weekday, string[] | undefined]>) {
    hours[day] = (ranges ?? []).map((r) => r.split('-') as [string, string]);
  }
  try {
    return expandWeeklyTemplate({
      hours,
      slotMinutes: template.slot_minutes,
      stylists: template.stylists,
      from: template.from,
      to: template.to,
      zone,
    });
  } catch (error) {
    if (error instanceof RangeError) throw new ApiError(400, 'invalid_template', error.message);
    throw error;
  }
};

export const adminScheduleRoutes =
  (ctx: RouteContext): FastifyPluginAsyncTypebox =>
  async (app) => {
    const { engine, settings } = ctx;

    app.post(
      '/api/admin/timeslots',
      {
        bodyLimit: 1 << 20,
        schema: {
          tags: ['owner'],
          summary: 'Open timeslots: a list, or a weekly template in SALON_TZ',
          security: [{ owner: [] }],
          body: CreateTimeslotsBody,
          response: { 201: CreateTimeslotsReply, ...errorResponses(400, 401, 409, 503) },
        },
      },
      async (request, reply) => {
        const { timeslots, template } = request.body;
        if ((timeslots === undefined) === (template === undefined)) {
          throw new ApiError(400, 'invalid_request', 'send either timeslots or template');
        }
        let inputs: OpenSlotInput[];
        if (timeslots !== undefined) {
          const parsed = fromList(timeslots, settings.salonTz);
          if (parsed.errors.length > 0) {
            throw new ApiError(
              400,
              'invalid_slot',
              'some timeslots are not valid; nothing was opened',
              {},
              parsed.errors,
            );
          }
          inputs = parsed.inputs;
        } else inputs = fromTemplate(template as NonNullable<Body['template']>, settings.salonTz);
        if (inputs.length === 0) throw new ApiError(400, 'invalid_template', 'the template yields no timeslots');
        if (inputs.length > MAX_SLOTS_PER_REQUEST) {
          throw new ApiError(400, 'too_many_slots', `at most ${MAX_SLOTS_PER_REQUEST} timeslots per request`);
        }

        const refusals = (errors: Array<[number, unknown]>): ApiError => {
          const items = errors
            .sort(([a], [b]) => a - b)
            .map(([index, error]) => {
              const api = toApiError(error);
              return { index, error: api?.code ?? 'internal_error', message: api?.message ?? 'unexpected failure' };
            });
          const first = toApiError(errors[0]?.[1]);
          const status = first !== undefined && first.statusCode < 500 ? first.statusCode : 503;
          return new ApiError(status, items[0]?.error ?? 'invalid_slot', 'some timeslots were refused', {}, items);
        };

        const precheck = engine.precheckOpen(inputs);
        if (precheck.size > 0) throw refusals([...precheck]);

        const outcomes = await engine.openMany(inputs, { actor: actorOf(request), ...requestMeta(request) });
        const failed = outcomes.flatMap((o, i): Array<[number, unknown]> => (o.ok ? [] : [[i, o.error]]));
        if (failed.length > 0) {
          // Only a concurrent writer can get here (the precheck passed): say exactly what landed.
          request.log.warn({ failed: failed.length, of: inputs.length }, 'opening raced another writer');
          throw refusals(failed);
        }
        const rows = inputs.map((input, i) => {
          const outcome = outcomes[i];
          return {
            id: slotIdFor(input.stylist, input.startsAt),
            stylist: input.stylist.trim(),
            start_time: new Date(input.startsAt).toISOString(),
            end_time: new Date(input.endsAt).toISOString(),
            opened: outcome?.ok === true && outcome.result.events.length > 0,
          };
        });
        const opened = rows.filter((r) => r.opened).length;
        request.log.info({ opened, existing: rows.length - opened }, 'owner opened timeslots');
        return reply.code(201).send({ opened, existing: rows.length - opened, timeslots: rows });
      },
    );
  };
