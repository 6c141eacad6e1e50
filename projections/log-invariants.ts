import { commitEndOf, type RecordedEvent, slotIdOfStream, toDomainEvent } from '../machines/index.js';

// The promises the whole log must keep, checked by folding it once in log order. This is
// what `npm run verify` runs against a real log, and what the property and crash tests
// run after every scenario:
//   1. each stream's revisions run 0, 1, 2, … with no gap or repeat, positions increase;
//   2. at most one live hold or booking per slot at every point — every fact fits the
//      state the slot was in (a hold only on a free slot, a booking only with the live hold);
//   3. every hold ends once — booked (before its deadline), cancelled, or expired (not
//      before its deadline) — or is still live with a deadline after `now`;
//   4. each stream's recorded times never go backwards;
//   5. at the end of every commit, every hold and every booking covers all of the slots
//      its appointment names, or none of them: never part of an appointment.

export type Violation = { slotId: string; revision: number; type: string; problem: string };

export type LogReport = {
  events: number;
  slots: number;
  /** Slots by their state at the end of the log. */
  byStatus: Record<string, number>;
  liveHolds: number;
  violations: Violation[];
};

type Slot = {
  status: 'unopened' | 'available' | 'reserved' | 'booked' | 'closed';
  revision: number;
  recordedAt: number;
  hold?: { holdId: string; expiresAt: number };
  bookingId?: string;
};

const ms = (iso: unknown): number => (typeof iso === 'string' ? Date.parse(iso) : Number.NaN);

export const checkLog = (events: readonly RecordedEvent[], now: number): LogReport => {
  const violations: Violation[] = [];
  const slots = new Map<string, Slot>();
  let lastPosition = 0;
  let counted = 0;
  // Appointments by hold id and by booking reference: their slots, and where they were named.
  const appointments = new Map<
    string,
    { slotIds: readonly string[]; slotId: string; revision: number; type: string }
  >();
  let touched = new Set<string>();
  /** Hold id or booking reference → the slots that have it right now. */
  const holders = new Map<string, Set<string>>();
  const take = (id: string, slotId: string): void => {
    holders.set(id, (holders.get(id) ?? new Set()).add(slotId));
    touched.add(id);
  };
  const release = (id: string | undefined, slotId: string): void => {
    if (id === undefined) return;
    holders.get(id)?.delete(slotId);
    if (holders.get(id)?.size === 0) holders.delete(id);
    touched.add(id);
  };
  const checkCommit = (): void => {
    for (const id of touched) {
      const held = holders.get(id);
      if (held === undefined) continue; // ended everywhere: whole
      const named = appointments.get(id);
      const whole =
        named === undefined
          ? held.size === 1
          : held.size === named.slotIds.length && named.slotIds.every((s) => held.has(s));
      if (!whole) {
        violations.push({
          slotId: named?.slotId ?? [...held][0] ?? '',
          revision: named?.revision ?? -1,
          type: named?.type ?? 'TimeslotReserved',
          problem: `${id} is on ${held.size} slot(s) (${[...held].join(', ')}) after a commit, but names ${named?.slotIds.length ?? 1}: part of an appointment`,
        });
      }
    }
    touched = new Set();
  };

  for (const event of events) {
    const slotId = slotIdOfStream(event.streamId);
    if (slotId === undefined) continue; // not one of ours
    try {
      checkEvent(event, slotId);
    } finally {
      if (commitEndOf(event) <= event.position) checkCommit();
    }
  }
  checkCommit();

  function checkEvent(event: RecordedEvent, slotId: string): void {
    counted += 1;
    const slot: Slot = slots.get(slotId) ?? { status: 'unopened', revision: -1, recordedAt: Number.NEGATIVE_INFINITY };
    slots.set(slotId, slot);
    const report = (problem: string) =>
      violations.push({ slotId, revision: event.revision, type: event.type, problem });

    if (event.revision !== slot.revision + 1) {
      report(`revision ${event.revision} follows ${slot.revision}: the stream has a gap or a repeat`);
    }
    slot.revision = event.revision;
    if (event.position <= lastPosition) report(`log position ${event.position} does not increase`);
    lastPosition = Math.max(lastPosition, event.position);
    const recordedAt = ms(event.recordedAt);
    if (recordedAt < slot.recordedAt) report(`recorded at ${event.recordedAt}, before the event it follows`);
    if (!Number.isNaN(recordedAt)) slot.recordedAt = Math.max(slot.recordedAt, recordedAt);

    const domain = toDomainEvent(event);
    if (domain === undefined) {
      report('unknown event type in a timeslot stream');
      return;
    }
    const nameAppointment = (id: string, slotIds: readonly string[] | undefined): void => {
      take(id, slotId);
      if (slotIds === undefined) return;
      if (!slotIds.includes(slotId)) report(`names appointment ${id} of slots ${slotIds.join(', ')}, not this one`);
      appointments.set(id, { slotIds, slotId, revision: event.revision, type: domain.type });
    };
    const need = (...allowed: Slot['status'][]): boolean => {
      if (allowed.includes(slot.status)) return true;
      report(`the slot was ${slot.status}, not ${allowed.join(' or ')}`);
      return false;
    };
    const endHold = (holdId: string): void => {
      release(slot.hold?.holdId, slotId);
      if (slot.hold?.holdId !== holdId)
        report(`ends hold ${holdId}, but the live hold is ${slot.hold?.holdId ?? 'none'}`);
      delete slot.hold;
    };

    switch (domain.type) {
      case 'TimeslotOpened':
        need('unopened');
        slot.status = 'available';
        break;
      case 'TimeslotReserved':
        need('available');
        slot.status = 'reserved';
        slot.hold = { holdId: domain.data.holdId, expiresAt: ms(domain.data.expiresAt) };
        nameAppointment(domain.data.holdId, domain.data.appointment?.slotIds);
        break;
      case 'ReservationCancelled':
        need('reserved');
        endHold(domain.data.holdId);
        slot.status = 'available';
        break;
      case 'ReservationExpired':
        if (need('reserved') && ms(domain.data.expiredAt) < (slot.hold?.expiresAt ?? 0)) {
          report(`expired at ${domain.data.expiredAt}, before the hold's deadline`);
        }
        endHold(domain.data.holdId);
        slot.status = 'available';
        break;
      case 'TimeslotBooked':
        if (need('reserved') && ms(domain.data.bookedAt) > (slot.hold?.expiresAt ?? 0)) {
          report(`booked at ${domain.data.bookedAt}, after the hold's deadline`);
        }
        endHold(domain.data.holdId);
        slot.status = 'booked';
        slot.bookingId = domain.data.bookingId;
        nameAppointment(domain.data.bookingId, domain.data.appointment?.slotIds);
        break;
      case 'BookingCancelled':
        if (need('booked') && slot.bookingId !== domain.data.bookingId) {
          report(`cancels booking ${domain.data.bookingId}, but the booking is ${slot.bookingId}`);
        }
        release(slot.bookingId, slotId);
        delete slot.bookingId;
        slot.status = 'available';
        break;
      case 'BookingMovedOut':
        if (need('booked') && slot.bookingId !== domain.data.bookingId) {
          report(`moves booking ${domain.data.bookingId} away, but the booking is ${slot.bookingId}`);
        }
        release(slot.bookingId, slotId);
        delete slot.bookingId;
        slot.status = 'available';
        break;
      case 'BookingMovedIn':
        need('available');
        slot.status = 'booked';
        slot.bookingId = domain.data.bookingId;
        nameAppointment(domain.data.bookingId, domain.data.appointment.slotIds);
        break;
      case 'TimeslotClosed':
        need('available');
        slot.status = 'closed';
        break;
      case 'TimeslotReopened':
        need('closed');
        slot.status = 'available';
        break;
    }
  }

  const byStatus: Record<string, number> = {};
  let liveHolds = 0;
  for (const [slotId, slot] of slots) {
    byStatus[slot.status] = (byStatus[slot.status] ?? 0) + 1;
    if (slot.hold === undefined) continue;
    if (slot.hold.expiresAt > now) liveHolds += 1;
    else {
      violations.push({
        slotId,
        revision: slot.revision,
        type: 'TimeslotReserved',
        problem: `hold ${slot.hold.holdId} lapsed at ${new Date(slot.hold.expiresAt).toISOString()} and never ended (a running server expires it at once; a stopped one at its next start)`,
      });
    }
  }
  return { events: counted, slots: slots.size, byStatus, liveHolds, violations };
};

/** The violations as lines, for test failures and the verify report. */
export const describeViolations = (violations: readonly Violation[]): string[] =>
  violations.map((v) => `${v.slotId} @${v.revision} ${v.type}: ${v.problem}`);
