import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { type AppRig, appRig, slotIdAt, unstartedApp } from '../support/app-harness.js';

// Request logs: each line carries its request's id, customer details never appear, and a
// level that is off costs nothing (the per-request child logger is made only when a line
// is actually written).

const capture = () => {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  return { lines, stream };
};

const CUSTOMER = { customer: { name: 'Zoë Example', phone: '+44 7700 900555', email: 'zoe@example.com' } };

let r: AppRig | undefined;
afterEach(async () => {
  await r?.dispose();
  r = undefined;
});

describe('request logging', () => {
  it('tags every line with its request id and redacts customer details', async () => {
    const { lines, stream } = capture();
    r = await appRig({ logger: createLogger('info', stream) });
    const zoe = r.client();
    const slot = slotIdAt(3);
    const held = await zoe.request('POST', `/api/timeslots/${slot}/reserve`, {}, { 'x-request-id': 'req-hold-1' });
    expect(held.statusCode).toBe(200);
    const booked = await zoe.request('POST', `/api/timeslots/${slot}/book`, CUSTOMER, { 'x-request-id': 'req-book-1' });
    expect(booked.statusCode).toBe(200);

    const reserved = lines.find((l) => l.msg === 'timeslot reserved');
    expect(reserved).toMatchObject({ requestId: 'req-hold-1', slotId: slot });
    expect(lines.find((l) => l.msg === 'timeslot booked')).toMatchObject({ requestId: 'req-book-1', slotId: slot });
    expect(lines.filter((l) => l.msg === 'request').map((l) => l.requestId)).toEqual(['req-hold-1', 'req-book-1']);
    const all = JSON.stringify(lines);
    expect(all).not.toContain('900555');
    expect(all).not.toContain('zoe@example.com');
  });

  it('writes nothing below the level, and still writes warnings with their request id', async () => {
    const { lines, stream } = capture();
    r = await appRig({ logger: createLogger('warn', stream) });
    const zoe = r.client();
    const slot = slotIdAt(4);
    expect((await zoe.post(`/api/timeslots/${slot}/reserve`, {})).statusCode).toBe(200);
    expect((await zoe.post(`/api/timeslots/${slot}/book`, CUSTOMER)).statusCode).toBe(200);
    expect(lines).toEqual([]);
  });

  it('still writes warnings, with their request id, from the per-request logger', async () => {
    const { lines, stream } = capture();
    const idle = await unstartedApp(createLogger('warn', stream)); // not started: commands get 503
    try {
      const res = await idle.app.inject({
        method: 'POST',
        url: `/api/timeslots/${slotIdAt(3)}/reserve`,
        headers: { 'x-request-id': 'req-early-1' },
      });
      expect(res.statusCode).toBe(503);
      expect(lines).toEqual([expect.objectContaining({ level: 40, requestId: 'req-early-1' })]);
    } finally {
      await idle.dispose();
    }
  });
});
