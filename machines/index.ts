export * from './customer.js';
export * from './decide.js';
export * from './errors.js';
export * from './events.js';
export * from './iso-time.js';
export * from './slot-id.js';
export * from './timeslot.machine.js';
export * from './upcast.js';
