import { Type } from 'typebox';

// The wire shapes, as JSON Schema (TypeBox): Fastify validates requests against them,
// serialises responses through them (nothing unlisted leaks out) and /docs is generated
// from them. Field names follow the seed: snake_case, start_time / end_time / status.

const iso = (description: string) => Type.String({ format: 'date-time', description });

export const ErrorBody = Type.Object(
  {
    error: Type.String({ description: 'machine-readable code, e.g. slot_taken' }),
    message: Type.String(),
    errors: Type.Optional(
      Type.Array(Type.Object({ index: Type.Integer(), error: Type.String(), message: Type.String() }), {
        description: 'per item, when a batch is refused as a whole',
      }),
    ),
    challenge: Type.Optional(
      Type.Unknown({
        description:
          'with challenge_required / challenge_failed: an ALTCHA challenge to solve and send back as `altcha`',
      }),
    ),
  },
  { $id: 'Error' },
);

/** 4xx/5xx answers every route can give. */
export const errorResponses = (...statuses: number[]) =>
  Object.fromEntries(statuses.map((s) => [s, Type.Ref('Error')]));

export const SlotIdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 120 }) });

/** What every view of a slot starts with. */
export const slotFields = {
  id: Type.String(),
  start_time: iso('start, UTC'),
  end_time: iso('end, UTC'),
  stylist: Type.String(),
};

export const PublicSlot = Type.Object(
  {
    ...slotFields,
    status: Type.Union([
      Type.Literal('available'),
      Type.Literal('unavailable'),
      Type.Literal('reserved'),
      Type.Literal('booked'),
    ]),
    yours: Type.Boolean({ description: 'true when the hold or booking is the caller’s own' }),
    expires_at: Type.Optional(iso('when the caller’s own hold lapses')),
    seconds_left: Type.Optional(Type.Integer({ minimum: 0 })),
    reference: Type.Optional(Type.String({ description: 'the caller’s own booking reference' })),
    version: Type.Integer({ description: 'the slot’s revision; higher is newer' }),
  },
  { $id: 'PublicSlot' },
);

export const TimeslotQuery = Type.Object({
  from: Type.Optional(Type.String({ maxLength: 40, description: 'ISO date-time, or a date in the salon’s zone' })),
  to: Type.Optional(Type.String({ maxLength: 40, description: 'ISO date-time (exclusive), or a date (inclusive)' })),
  date: Type.Optional(Type.String({ maxLength: 10, description: 'one day in the salon’s zone, YYYY-MM-DD' })),
  stylist: Type.Optional(Type.String({ minLength: 1, maxLength: 60 })),
  include: Type.Optional(Type.Literal('all', { description: 'also list slots you cannot take, as unavailable' })),
  service: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 80,
      description: 'a service id: list where it can start instead (each with the slots it covers)',
    }),
  ),
});

export const StartOption = Type.Object(
  {
    ...slotFields,
    end_time: iso('the appointment’s end, UTC'),
    status: Type.Literal('available'),
    slot_ids: Type.Array(Type.String(), { description: 'the slots the service would cover, in time order' }),
  },
  { $id: 'StartOption' },
);

/** A service as a hold or booking carries it: as it was when held. */
export const ServiceRef = {
  service: Type.Optional(Type.String({ description: 'the service’s id, when held for a service' })),
  service_name: Type.Optional(Type.String()),
  duration_minutes: Type.Optional(Type.Integer()),
};

export const HoldView = Type.Object({
  id: Type.String({ description: 'the hold’s id: the same on every slot of the appointment' }),
  ...ServiceRef,
  slot_ids: Type.Array(Type.String(), { description: 'every slot held, in time order' }),
  start_time: iso('the appointment’s start'),
  end_time: iso('the appointment’s end'),
  expires_at: iso('the hold lapses then unless booked'),
});

export const ReserveReply = Type.Object({
  message: Type.String(),
  timeslot: Type.Ref('PublicSlot'),
  expires_at: iso('the hold lapses then unless booked'),
  seconds_left: Type.Integer({ minimum: 0 }),
  hold: HoldView,
});

export const CustomerInput = Type.Object({
  name: Type.String({ maxLength: 200 }),
  phone: Type.Optional(Type.String({ maxLength: 40 })),
  email: Type.Optional(Type.String({ maxLength: 254 })),
});

/** The seed's browser code sends `{user_id}`: accepted for compatibility, never read (identity is the session). */
const seedFields = {
  user_id: Type.Optional(Type.Unknown({ description: 'ignored: identity comes from the session cookie' })),
};
export const SeedBody = Type.Object(seedFields);

/** A reserve may carry a solved proof of work, asked for when much of the day is held. */
export const ReserveBody = Type.Object({
  ...seedFields,
  service: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 80,
      description: 'a service id: hold the whole run of slots from this one that the service needs',
    }),
  ),
  altcha: Type.Optional(
    Type.String({ maxLength: 8_192, description: 'a solved ALTCHA challenge (base64 JSON), when one was asked for' }),
  ),
});

/** `payment_details` (the seed's other field) is accepted and dropped too. */
export const BookBody = Type.Object({ ...seedFields, customer: CustomerInput });

export const Customer = Type.Object({
  name: Type.String(),
  phone: Type.Optional(Type.String()),
  email: Type.Optional(Type.String()),
});

export const BookingView = Type.Object(
  {
    reference: Type.String({ description: 'read it to the salon; HF-XXXX-XXXX' }),
    slot_id: Type.String({ description: 'the appointment’s first slot' }),
    slot_ids: Type.Array(Type.String(), { description: 'every slot booked, in time order' }),
    ...ServiceRef,
    stylist: Type.String(),
    start_time: iso('the appointment’s start, UTC'),
    end_time: iso('the appointment’s end, UTC'),
    status: Type.Union([Type.Literal('confirmed'), Type.Literal('cancelled')]),
    customer: Customer,
    booked_at: iso('when it was booked'),
    cancelled_at: Type.Optional(iso('when it was cancelled')),
    cancellable_until: iso('the client may cancel online until then'),
    manage_token: Type.Optional(
      Type.String({ description: 'private: with the reference, lets the client view, cancel and add to calendar' }),
    ),
  },
  { $id: 'Booking' },
);

export const BookReply = Type.Object({
  message: Type.String(),
  booking: Type.Ref('Booking'),
  timeslot: Type.Ref('PublicSlot'),
});

export const MessageAndSlot = Type.Object({ message: Type.String(), timeslot: Type.Ref('PublicSlot') });

export const BookingParams = Type.Object({ ref: Type.String({ minLength: 1, maxLength: 40 }) });
export const ManageQuery = Type.Object({ token: Type.Optional(Type.String({ maxLength: 100 })) });
export const ManageBody = Type.Object({ token: Type.Optional(Type.String({ maxLength: 100 })) });
export const RescheduleBody = Type.Object({
  token: Type.Optional(Type.String({ maxLength: 100 })),
  slot_id: Type.String({ minLength: 1, maxLength: 120, description: 'the new first slot (a start option)' }),
});

export const sharedSchemas = [ErrorBody, PublicSlot, BookingView, StartOption];
