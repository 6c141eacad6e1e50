import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { heldSlots, holdIsLive } from '../projections/index.js';
import type { Clock } from './clock.js';
import type { Engine } from './engine/engine.js';
import type { AppendObserver } from './eventlog/timed.js';

// Prometheus metrics, one registry per app (tests build many). Gauges are read when
// scraped, from the engine and read models, so they can never drift from the truth.

export const createMetrics = () => {
  const registry = new Registry();
  const httpDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request latency by route and status',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  const appendDuration = new Histogram({
    name: 'holdfast_append_duration_seconds',
    help: 'Time for an append to become durable in the event log',
    labelNames: ['outcome'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registers: [registry],
  });
  const committed = new Counter({
    name: 'holdfast_events_total',
    help: 'Events committed to the log since this process started, by type',
    labelNames: ['type'] as const,
    registers: [registry],
  });
  const bookings = new Counter({
    name: 'holdfast_bookings_total',
    help: 'Bookings confirmed since this process started',
    registers: [registry],
  });
  const expiries = new Counter({
    name: 'holdfast_hold_expiries_total',
    help: 'Holds that ran out without a booking since this process started',
    registers: [registry],
  });
  const wsClients = new Gauge({
    name: 'holdfast_websocket_clients',
    help: 'Open live-update connections',
    registers: [registry],
  });

  return {
    registry,
    httpDuration,
    wsClients,
    observeAppend: ((seconds, outcome) => appendDuration.observe({ outcome }, seconds)) satisfies AppendObserver,
    /** Gauges that read the engine, and counters fed by committed events. */
    watch: (engine: Engine, clock: Clock): void => {
      new Gauge({
        name: 'holdfast_active_holds',
        help: 'Holds whose deadline has not passed',
        registers: [registry],
        collect() {
          const now = clock.now();
          this.set(heldSlots(engine.models.availability).filter((s) => holdIsLive(s, now)).length);
        },
      });
      new Gauge({
        name: 'holdfast_mailbox_depth',
        help: 'Commands queued or running across all slot mailboxes',
        registers: [registry],
        collect() {
          this.set(engine.mailboxDepth);
        },
      });
      new Gauge({
        name: 'holdfast_active_actors',
        help: 'Slot actors in memory',
        registers: [registry],
        collect() {
          this.set(engine.activeActors);
        },
      });
      new Gauge({
        name: 'holdfast_log_position',
        help: 'Position of the last event folded into the read models',
        registers: [registry],
        collect() {
          this.set(engine.models.position);
        },
      });
      engine.onCommitted((commit) => {
        if (!engine.ready) return; // replay at start-up is history, not traffic
        for (const event of commit) {
          committed.inc({ type: event.type });
          if (event.type === 'TimeslotBooked') bookings.inc();
          if (event.type === 'ReservationExpired') expiries.inc();
        }
      });
    },
  };
};

export type Metrics = ReturnType<typeof createMetrics>;
