import { afterEach, describe, expect, it } from 'vitest';
import { decodeModels, encodeModels } from '../../projections/index.js';
import { readWholeLog } from '../../src/eventlog/port.js';
import { type AppRig, appRig } from '../support/app-harness.js';
import { OWNER, sqliteRig } from '../support/engine-harness.js';
import { HOUR, T0 } from '../support/fixtures.js';

// The menu over HTTP: the owner defines, edits and retires services; clients see the active
// ones. Event-sourced like everything else: it is in the log, survives a restart and a
// read-model snapshot, and says who changed what.

const json = (response: { body: string }) => JSON.parse(response.body);
const ben = { stylist: 'Ben', startsAt: T0 + 3 * HOUR, endsAt: T0 + 4 * HOUR };

let r: AppRig | undefined;
afterEach(async () => {
  await r?.dispose();
  r = undefined;
});

describe('services', () => {
  it('lets the owner define, change and retire services, and shows clients the active ones', async () => {
    r = await appRig({ slots: [{ stylist: 'Anna', startsAt: T0 + 2 * HOUR, endsAt: T0 + 3 * HOUR }, ben] });
    const defined = await r.owner('POST', '/api/admin/services', { name: 'Cut', duration_minutes: 30, price: '£30' });
    expect(defined.statusCode).toBe(201);
    expect(json(defined)).toEqual({
      service: { id: 'cut', name: 'Cut', duration_minutes: 30, stylists: ['Anna', 'Ben'], price: '£30', active: true },
    });
    const colour = await r.owner('POST', '/api/admin/services', {
      name: 'Colour',
      duration_minutes: 90,
      stylists: ['Anna'],
    });
    expect(json(colour).service).toMatchObject({ id: 'colour', stylists: ['Anna'] });
    const taken = await r.owner('POST', '/api/admin/services', { name: 'cut', duration_minutes: 15 });
    expect([taken.statusCode, json(taken).error]).toEqual([409, 'service_exists']);
    const bad = await r.owner('POST', '/api/admin/services', { name: 'Trim', duration_minutes: 2 });
    expect([bad.statusCode, json(bad).error]).toEqual([400, 'invalid_service']);

    const changed = await r.owner('PATCH', '/api/admin/services/cut', { duration_minutes: 45, price: null });
    expect(json(changed).service).toEqual({
      id: 'cut',
      name: 'Cut',
      duration_minutes: 45,
      stylists: ['Anna', 'Ben'],
      active: true,
    });
    expect((await r.owner('PATCH', '/api/admin/services/nope', { duration_minutes: 45 })).statusCode).toBe(404);
    const retired = await r.owner('POST', '/api/admin/services/colour/retire');
    expect(json(retired).service).toMatchObject({ id: 'colour', active: false });

    const publicList = json(await r.client().get('/api/services'));
    expect(publicList).toEqual([{ id: 'cut', name: 'Cut', duration_minutes: 45, stylists: ['Anna', 'Ben'] }]);
    const ownerList = json(await r.owner('GET', '/api/admin/services'));
    expect(ownerList.map((s: { id: string; active: boolean }) => [s.id, s.active])).toEqual([
      ['cut', true],
      ['colour', false],
    ]);
    // Owner routes need the owner.
    expect((await r.client().post('/api/admin/services', { name: 'X', duration_minutes: 30 })).statusCode).toBe(401);

    // In the log, with who did it.
    const catalogue = (await readWholeLog(r.rig.log)).filter((e) => e.streamId === 'catalogue');
    expect(catalogue.map((e) => e.type)).toEqual([
      'ServiceDefined',
      'ServiceDefined',
      'ServiceChanged',
      'ServiceRetired',
    ]);
    expect(catalogue.every((e) => (e.metadata as { actor: { kind: string } }).actor.kind === 'owner')).toBe(true);
  });

  it('survives a restart (replay) and a read-model snapshot', async () => {
    const rig = await sqliteRig();
    try {
      await rig.engine.open(ben, OWNER);
      await rig.engine.catalogue.define({ name: 'Beard trim', durationMinutes: 15 });
      await rig.engine.catalogue.define({ name: 'Colour', durationMinutes: 90, stylists: ['Ben'], price: 'from £80' });
      await rig.engine.catalogue.retire('beard-trim');
      const before = structuredClone([...rig.engine.models.services.byId.values()]);
      expect(before).toHaveLength(2);
      const again = decodeModels(
        JSON.parse(
          JSON.stringify(
            encodeModels(rig.engine.models, 'fold', {
              position: rig.engine.models.position,
              streamId: 'x',
              revision: 0,
              recordedAt: '',
            }),
          ),
        ),
      );
      expect([...again.services.byId.values()]).toEqual(before);
      expect(again.services.revision).toBe(rig.engine.models.services.revision);
      await rig.restart();
      expect([...rig.engine.models.services.byId.values()]).toEqual(before);
      // The revision a next command expects is the stream's.
      await rig.engine.catalogue.define({ name: 'Cut', durationMinutes: 30 });
      expect(rig.engine.models.services.revision).toBe(3);
    } finally {
      await rig.dispose();
    }
  });
});
