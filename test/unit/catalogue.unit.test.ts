import { describe, expect, it } from 'vitest';
import {
  type CatalogueCommand,
  type CatalogueEvent,
  decideCatalogue,
  evolveCatalogue,
  type Service,
} from '../../machines/index.js';
import { T0 } from '../support/fixtures.js';

// The menu, given/when/then: the facts so far, a command, and the facts it adds (or why not).

const given = (...commands: CatalogueCommand[]): Map<string, Service> => {
  const services = new Map<string, Service>();
  for (const command of commands) {
    for (const event of decideCatalogue(services, command, T0)) evolveCatalogue(services, event);
  }
  return services;
};
const define = (name: string, durationMinutes: unknown = 30, more: Record<string, unknown> = {}): CatalogueCommand => ({
  type: 'define',
  input: { name, durationMinutes, ...more },
});
const code = (services: Map<string, Service>, command: CatalogueCommand): string => {
  try {
    decideCatalogue(services, command, T0);
    return 'ok';
  } catch (error) {
    return (error as { code: string }).code;
  }
};

describe('the service catalogue', () => {
  it('defines a service with an id from its name, offered by every stylist unless said', () => {
    const [event] = decideCatalogue(new Map(), define('Cut & Blow-dry', 45, { price: '£45' }), T0) as [CatalogueEvent];
    expect(event).toEqual({
      type: 'ServiceDefined',
      data: {
        serviceId: 'cut-blow-dry',
        name: 'Cut & Blow-dry',
        durationMinutes: 45,
        price: '£45',
        definedAt: new Date(T0).toISOString(),
      },
    });
    const services = given(define('Colour', 90, { stylists: ['Anna', 'Chloé', 'anna'] }));
    expect(services.get('colour')).toMatchObject({ stylists: ['Anna', 'Chloé'], price: null, active: true });
  });

  it('refuses a name in use (whatever the case or accents), and bad input, with codes', () => {
    const services = given(define('Beard trim', 15));
    expect(code(services, define('BEARD TRIM'))).toBe('service_exists');
    expect(code(services, define('Béard trim'))).toBe('service_exists');
    for (const bad of [
      define('', 30),
      define('x'.repeat(81), 30),
      define('Cut', 3),
      define('Cut', 30.5),
      define('Cut', 721),
      define('Cut', '30'),
      define('Cut\u0000', 30),
      define('Cut', 30, { stylists: [] }),
      define('Cut', 30, { stylists: ['---'] }),
      define('Cut', 30, { price: '' }),
    ]) {
      expect(code(services, bad)).toBe('invalid_service');
    }
  });

  it('changes and retires; a retired name can be used again, under a new id', () => {
    let services = given(define('Cut', 30));
    expect(code(services, { type: 'change', serviceId: 'nope', input: {} })).toBe('service_not_found');
    services = given(define('Cut', 30), {
      type: 'change',
      serviceId: 'cut',
      input: { durationMinutes: 45, price: '£40' },
    });
    expect(services.get('cut')).toMatchObject({ durationMinutes: 45, price: '£40' });
    // Nothing new: no event (a repeated request).
    expect(decideCatalogue(services, { type: 'change', serviceId: 'cut', input: { durationMinutes: 45 } }, T0)).toEqual(
      [],
    );
    services = given(
      define('Cut', 30),
      { type: 'retire', serviceId: 'cut' },
      { type: 'retire', serviceId: 'cut' }, // again: nothing
      define('Cut', 30),
    );
    expect([...services.values()].map((s) => [s.serviceId, s.active])).toEqual([
      ['cut', false],
      ['cut-2', true],
    ]);
    expect(code(services, { type: 'change', serviceId: 'cut', input: { name: 'Trim' } })).toBe('service_retired');
    // Back to every stylist, and no price.
    services = given(define('Colour', 90, { stylists: ['Anna'], price: '£80' }), {
      type: 'change',
      serviceId: 'colour',
      input: { stylists: null, price: null },
    });
    expect(services.get('colour')).toMatchObject({ stylists: null, price: null });
  });
});
