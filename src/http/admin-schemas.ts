import { Type } from 'typebox';
import { ServiceRef, slotFields } from './schemas.js';

// Owner-only wire shapes: full slot state, customers, history.

const iso = (description: string) => Type.String({ format: 'date-time', description });

export const OwnerSlot = Type.Object(
  {
    ...slotFields,
    status: Type.Union([
      Type.Literal('available'),
      Type.Literal('reserved'),
      Type.Literal('booked'),
      Type.Literal('closed'),
    ]),
    hold: Type.Union([
      Type.Object({
        id: Type.String({ description: 'the hold’s id: the same on every slot of one appointment' }),
        client: Type.String({ description: 'the holder’s session id' }),
        ...ServiceRef,
        slot_ids: Type.Array(Type.String(), { description: 'every slot of the appointment held' }),
        reserved_at: iso('when the hold began'),
        expires_at: iso('when it lapses'),
        seconds_left: Type.Integer(),
      }),
      Type.Null(),
    ]),
    booking: Type.Union([
      Type.Object({
        reference: Type.String({ description: 'the same on every slot of one appointment' }),
        booked_at: iso('when it was booked'),
        ...ServiceRef,
        slot_ids: Type.Array(Type.String(), { description: 'every slot of the appointment booked' }),
        customer: Type.Optional(
          Type.Object({
            name: Type.String(),
            phone: Type.Optional(Type.String()),
            email: Type.Optional(Type.String()),
          }),
        ),
      }),
      Type.Null(),
    ]),
    version: Type.Integer(),
  },
  { $id: 'OwnerSlot' },
);

const date = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'YYYY-MM-DD in the salon’s zone' });
const hours = Type.Array(
  Type.String({ pattern: '^\\d{2}:\\d{2}-\\d{2}:\\d{2}$', description: 'opening hours, e.g. 09:00-17:00' }),
  { maxItems: 4 },
);

export const NewTimeslot = Type.Object({
  start_time: Type.String({ maxLength: 40, description: 'ISO date-time with zone' }),
  end_time: Type.String({ maxLength: 40, description: 'ISO date-time with zone' }),
  stylist: Type.String({ minLength: 1, maxLength: 60 }),
});

export const WeeklyTemplateInput = Type.Object({
  hours: Type.Object({
    mon: Type.Optional(hours),
    tue: Type.Optional(hours),
    wed: Type.Optional(hours),
    thu: Type.Optional(hours),
    fri: Type.Optional(hours),
    sat: Type.Optional(hours),
    sun: Type.Optional(hours),
  }),
  slot_minutes: Type.Integer({ minimum: 5, maximum: 720 }),
  stylists: Type.Array(Type.String({ minLength: 1, maxLength: 60 }), { minItems: 1, maxItems: 50 }),
  from: date,
  to: date,
});

export const CreateTimeslotsBody = Type.Object({
  timeslots: Type.Optional(Type.Array(NewTimeslot, { minItems: 1, maxItems: 1000 })),
  template: Type.Optional(WeeklyTemplateInput),
});

export const CreateTimeslotsReply = Type.Object({
  opened: Type.Integer({ description: 'slots this request opened' }),
  existing: Type.Integer({ description: 'slots that were already open (opening is idempotent)' }),
  timeslots: Type.Array(
    Type.Object({
      id: Type.String(),
      stylist: Type.String(),
      start_time: iso('start, UTC'),
      end_time: iso('end, UTC'),
      opened: Type.Boolean(),
    }),
  ),
});

export const ReasonBody = Type.Object({ reason: Type.Optional(Type.String({ maxLength: 500 })) });

export const HistoryReply = Type.Object({
  slot_id: Type.String(),
  events: Type.Array(
    Type.Object({
      revision: Type.Integer(),
      position: Type.Optional(Type.Integer({ description: 'global log position, when the log can say' })),
      type: Type.String(),
      at: iso('when the log recorded it'),
      who: Type.Object({
        kind: Type.String({
          description: 'client, owner (the API token), staff (a console account: accountId, name, role) or system',
        }),
        id: Type.Optional(Type.String()),
        reason: Type.Optional(Type.String()),
        accountId: Type.Optional(Type.String()),
        name: Type.Optional(Type.String()),
        role: Type.Optional(Type.String()),
      }),
      request_id: Type.Optional(Type.String()),
      appointment: Type.Optional(
        Type.String({ description: 'the hold id or booking reference the event belongs to (one per appointment)' }),
      ),
      data: Type.Unknown(),
    }),
  ),
});

export const StateQuery = Type.Object({ at: Type.String({ maxLength: 40, description: 'ISO date-time with zone' }) });

export const AdminRangeQuery = Type.Object({
  from: Type.Optional(Type.String({ maxLength: 40 })),
  to: Type.Optional(Type.String({ maxLength: 40 })),
  date: Type.Optional(Type.String({ maxLength: 10 })),
  stylist: Type.Optional(Type.String({ minLength: 1, maxLength: 60 })),
});

export const adminSchemas = [OwnerSlot];
