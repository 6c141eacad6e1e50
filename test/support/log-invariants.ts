import { type RecordedEvent, slotIdOfStream, toDomainEvent } from '../../machines/index.js';

// Reads a whole log and reports every breach of "never double-booked": a hold or booking
// taken while the slot was not free, a hold ended twice, a gap in a stream's revisions.

export const logViolations = (events: readonly RecordedEvent[]): string[] => {
  const problems: string[] = [];
  const slots = new Map<string, { status: string; holdId?: string; bookingId?: string; revision: number }>();
  for (const event of events) {
    const slotId = slotIdOfStream(event.streamId);
    const domain = toDomainEvent(event);
    if (slotId === undefined || domain === undefined) continue;
    const slot = slots.get(slotId) ?? { status: 'unopened', revision: -1 };
    const where = `${slotId}@${event.revision} ${event.type}`;
    if (event.revision !== slot.revision + 1) problems.push(`${where}: revision gap after ${slot.revision}`);
    slot.revision = event.revision;
    const need = (status: string) => {
      if (slot.status !== status) problems.push(`${where}: slot was ${slot.status}, not ${status}`);
    };
    switch (domain.type) {
      case 'TimeslotOpened':
        need('unopened');
        slot.status = 'available';
        break;
      case 'TimeslotReserved':
        need('available');
        slot.status = 'reserved';
        slot.holdId = domain.data.holdId;
        break;
      case 'ReservationCancelled':
      case 'ReservationExpired':
        need('reserved');
        if (slot.holdId !== domain.data.holdId)
          problems.push(`${where}: ends hold ${domain.data.holdId}, not the live one`);
        slot.status = 'available';
        delete slot.holdId;
        break;
      case 'TimeslotBooked':
        need('reserved');
        if (slot.holdId !== domain.data.holdId)
          problems.push(`${where}: books with hold ${domain.data.holdId}, not the live one`);
        slot.status = 'booked';
        slot.bookingId = domain.data.bookingId;
        delete slot.holdId;
        break;
      case 'BookingCancelled':
        need('booked');
        slot.status = 'available';
        delete slot.bookingId;
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
    slots.set(slotId, slot);
  }
  return problems;
};

export const readWholeLog = async (log: { readAll(from: number, limit: number): Promise<RecordedEvent[]> }) => {
  const all: RecordedEvent[] = [];
  for (;;) {
    const page = await log.readAll(all.at(-1)?.position ?? 0, 1_000);
    all.push(...page);
    if (page.length < 1_000) return all;
  }
};
