export * from './availability.js';
export * from './bookings.js';
export * from './day-index.js';
export * from './hold-outcomes.js';
export * from './log-invariants.js';
export * from './read-models.js';
export * from './slot-history.js';
export * from './slot-summary.js';
