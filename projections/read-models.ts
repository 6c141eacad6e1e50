import {
  ACCOUNTS_STREAM,
  type AccountsState,
  CATALOGUE_STREAM,
  createAccountsState,
  evolveAccounts,
  slotIdOfStream,
  toAccountEvent,
  toDomainEvent,
} from '../machines/index.js';
import type { RecordedEvent } from '../machines/upcast.js';
import { type Availability, applyToAvailability, createAvailability } from './availability.js';
import { applyToBookings, type Bookings, createBookings } from './bookings.js';
import { applyToHoldOutcomes, createHoldOutcomes, type HoldOutcomesBySlot } from './hold-outcomes.js';
import { applyToServices, createServices, type Services } from './services.js';

// Every in-memory read model, folded from the log in log order. The same `applyRecorded`
// runs at start-up replay and for each live event, which is what makes replay exact.

export type ReadModels = {
  availability: Availability;
  bookings: Bookings;
  holdOutcomes: HoldOutcomesBySlot;
  services: Services;
  /** Staff accounts, access links and live console sessions. */
  accounts: AccountsState;
  /** Position of the last event folded in. */
  position: number;
};

export const createReadModels = (): ReadModels => ({
  availability: createAvailability(),
  bookings: createBookings(),
  holdOutcomes: createHoldOutcomes(),
  services: createServices(),
  accounts: createAccountsState(),
  position: 0,
});

export const applyRecorded = (models: ReadModels, event: RecordedEvent): void => {
  models.position = event.position;
  if (event.streamId === CATALOGUE_STREAM) {
    applyToServices(models.services, event);
    return;
  }
  if (event.streamId === ACCOUNTS_STREAM) {
    const fact = toAccountEvent(event);
    if (fact !== undefined) evolveAccounts(models.accounts, fact);
    models.accounts.revision = event.revision;
    return;
  }
  const slotId = slotIdOfStream(event.streamId);
  const domain = toDomainEvent(event);
  if (slotId === undefined || domain === undefined) return;
  applyToAvailability(models.availability, slotId, domain, event.revision);
  applyToBookings(models.bookings, slotId, domain);
  applyToHoldOutcomes(models.holdOutcomes, slotId, domain);
};
