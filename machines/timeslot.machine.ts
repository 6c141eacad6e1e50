import { assign, emit, setup } from 'xstate';
import { type EndedHold, endedHoldsAfter, noEndedHolds } from './ended-holds.js';
import type { Appointment, Customer, TimeslotEvent } from './events.js';

// The write model of one timeslot. It consumes only *facts* that are already in the log
// (the engine persists first, then sends), so every transition here is a replay of
// history, live or at rebuild. Guards make an out-of-order fact a no-op that the engine
// can detect (`snapshot.can`) before appending, never a silent corruption.

export type SlotInfo = { slotId: string; stylist: string; startsAt: number; endsAt: number };
export type Hold = {
  holdId: string;
  clientId: string;
  reservedAt: number;
  expiresAt: number;
  network?: string;
  /** The appointment this slot is one part of (absent: a one-slot hold). */
  appointment?: Appointment;
};
export type Booking = {
  bookingId: string;
  holdId: string;
  clientId: string;
  customer: Customer;
  bookedAt: number;
  /** The network of the hold it was made from (see ended-holds.ts). */
  network?: string;
  appointment?: Appointment;
};

export type TimeslotContext = {
  slot: SlotInfo | null;
  hold: Hold | null;
  booking: Booking | null;
  /** Whose holds ended lately, for the cool-down (see ended-holds.ts). */
  endedHolds: readonly EndedHold[];
};

/** Emitted when a hold's deadline is reached. The machine does not expire the hold itself:
 *  the engine persists `ReservationExpired` and sends it back, like any other fact. */
export type HoldDeadlinePassed = { type: 'holdDeadlinePassed'; holdId: string };

/** What a slot machine needs from the outside world: only the current time. */
export type NowSource = { now(): number };

const ms = (iso: string): number => Date.parse(iso);

export const timeslotMachine = setup({
  types: {
    context: {} as TimeslotContext,
    events: {} as TimeslotEvent,
    emitted: {} as HoldDeadlinePassed,
  },
  delays: {
    // Replaced by `timeslotMachineFor(clock)`; a machine without a clock never fires.
    holdRemaining: () => Number.POSITIVE_INFINITY,
  },
  guards: {
    isCurrentHold: ({ context, event }) => 'holdId' in event.data && context.hold?.holdId === event.data.holdId,
    isCurrentBooking: ({ context, event }) =>
      'bookingId' in event.data && context.booking?.bookingId === event.data.bookingId,
  },
  actions: {
    clearHold: assign({ hold: null }),
    clearBooking: assign({ booking: null }),
    // Who held the slot, for the cool-down (see ended-holds.ts): before the hold or booking is cleared.
    rememberEnded: assign({ endedHolds: ({ context, event }) => endedHoldsAfter(context, event) }),
  },
}).createMachine({
  id: 'timeslot',
  initial: 'unopened',
  context: { slot: null, hold: null, booking: null, endedHolds: noEndedHolds },
  states: {
    unopened: {
      on: {
        TimeslotOpened: {
          target: 'available',
          actions: assign({
            slot: ({ event }) => ({
              slotId: event.data.slotId,
              stylist: event.data.stylist,
              startsAt: ms(event.data.startTime),
              endsAt: ms(event.data.endTime),
            }),
          }),
        },
      },
    },
    available: {
      on: {
        BookingMovedIn: {
          target: 'booked',
          actions: assign({
            booking: ({ event }) => ({
              bookingId: event.data.bookingId,
              holdId: event.data.holdId,
              clientId: event.data.clientId,
              customer: event.data.customer,
              bookedAt: ms(event.data.bookedAt),
              appointment: event.data.appointment,
              ...(event.data.network !== undefined && { network: event.data.network }),
            }),
          }),
        },
        TimeslotReserved: {
          target: 'reserved',
          actions: assign({
            hold: ({ event }) => ({
              holdId: event.data.holdId,
              clientId: event.data.clientId,
              reservedAt: ms(event.data.reservedAt),
              expiresAt: ms(event.data.expiresAt),
              ...(event.data.network !== undefined && { network: event.data.network }),
              ...(event.data.appointment !== undefined && { appointment: event.data.appointment }),
            }),
          }),
        },
        TimeslotClosed: { target: 'closed' },
      },
    },
    reserved: {
      // The delay is the time *left* on the stored deadline, so an actor rebuilt after a
      // restart re-arms only what remains (XState does not restore timers from snapshots).
      after: {
        holdRemaining: {
          actions: emit(({ context }) => ({
            type: 'holdDeadlinePassed' as const,
            holdId: context.hold?.holdId ?? '',
          })),
        },
      },
      on: {
        TimeslotBooked: {
          guard: 'isCurrentHold',
          target: 'booked',
          actions: assign({
            booking: ({ context, event }) => ({
              bookingId: event.data.bookingId,
              holdId: event.data.holdId,
              clientId: event.data.clientId,
              customer: event.data.customer,
              bookedAt: ms(event.data.bookedAt),
              ...(context.hold?.network !== undefined && { network: context.hold.network }),
              ...(event.data.appointment !== undefined && { appointment: event.data.appointment }),
            }),
            hold: null,
          }),
        },
        ReservationCancelled: {
          guard: 'isCurrentHold',
          target: 'available',
          actions: ['rememberEnded', 'clearHold'],
        },
        ReservationExpired: { guard: 'isCurrentHold', target: 'available', actions: ['rememberEnded', 'clearHold'] },
      },
    },
    booked: {
      on: {
        BookingCancelled: {
          guard: 'isCurrentBooking',
          target: 'available',
          actions: ['rememberEnded', 'clearBooking'],
        },
        BookingMovedOut: { guard: 'isCurrentBooking', target: 'available', actions: 'clearBooking' },
      },
    },
    closed: {
      on: {
        TimeslotReopened: { target: 'available' },
      },
    },
  },
});

/** The machine with its hold timer bound to a clock (a `SimulatedClock` in tests). */
export const timeslotMachineFor = (clock: NowSource) =>
  timeslotMachine.provide({
    delays: {
      holdRemaining: ({ context }) => Math.max(0, (context.hold?.expiresAt ?? 0) - clock.now()),
    },
  });

export type TimeslotMachine = typeof timeslotMachine;
