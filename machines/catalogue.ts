import { DomainError } from './errors.js';
import { labelText } from './plain-text.js';
import { stylistSlug } from './slot-id.js';

// The salon's menu of services (a cut, 30 minutes; a colour, 90), in one stream of its own
// (`catalogue`), decided like a slot: the state so far and a command give the facts to
// append, or a refusal. Pure: time comes in through the context.
//
// A service names what an appointment needs; it never changes one already held or booked
// (those carry their own slots and times). Retiring hides a service from new bookings.

export const CATALOGUE_STREAM = 'catalogue';

export type ServiceDefined = {
  type: 'ServiceDefined';
  data: {
    serviceId: string;
    name: string;
    durationMinutes: number;
    /** Who offers it; absent: every stylist. */
    stylists?: string[];
    /** Display text ("£45", "from £80"). */
    price?: string;
    definedAt: string;
  };
};
export type ServiceChanged = {
  type: 'ServiceChanged';
  data: {
    serviceId: string;
    name?: string;
    durationMinutes?: number;
    /** null: every stylist again. */
    stylists?: string[] | null;
    /** null: no price shown. */
    price?: string | null;
    changedAt: string;
  };
};
export type ServiceRetired = { type: 'ServiceRetired'; data: { serviceId: string; retiredAt: string } };

export type CatalogueEvent = ServiceDefined | ServiceChanged | ServiceRetired;

const isCatalogueEventType = (type: string): type is CatalogueEvent['type'] =>
  type === 'ServiceDefined' || type === 'ServiceChanged' || type === 'ServiceRetired';

/** A stored event as a catalogue fact, or undefined if it is none (the catalogue's one door in). */
export const toCatalogueEvent = (stored: { type: string; data: unknown }): CatalogueEvent | undefined =>
  isCatalogueEventType(stored.type) ? ({ type: stored.type, data: stored.data } as CatalogueEvent) : undefined;

export type Service = {
  serviceId: string;
  name: string;
  durationMinutes: number;
  /** null: every stylist. */
  stylists: string[] | null;
  price: string | null;
  active: boolean;
};

export type ServiceInput = {
  name?: unknown;
  durationMinutes?: unknown;
  stylists?: unknown;
  price?: unknown;
};

export type CatalogueCommand =
  | { type: 'define'; input: ServiceInput }
  | { type: 'change'; serviceId: string; input: ServiceInput }
  | { type: 'retire'; serviceId: string };

/** Folds one catalogue fact into the services (by id, in the order defined). */
export const evolveCatalogue = (services: Map<string, Service>, event: CatalogueEvent): void => {
  switch (event.type) {
    case 'ServiceDefined': {
      const { serviceId, name, durationMinutes, stylists, price } = event.data;
      services.set(serviceId, {
        serviceId,
        name,
        durationMinutes,
        stylists: stylists ?? null,
        price: price ?? null,
        active: true,
      });
      return;
    }
    case 'ServiceChanged': {
      const current = services.get(event.data.serviceId);
      if (current === undefined) return;
      const { name, durationMinutes, stylists, price } = event.data;
      services.set(current.serviceId, {
        ...current,
        ...(name !== undefined && { name }),
        ...(durationMinutes !== undefined && { durationMinutes }),
        ...(stylists !== undefined && { stylists }),
        ...(price !== undefined && { price }),
      });
      return;
    }
    case 'ServiceRetired': {
      const current = services.get(event.data.serviceId);
      if (current !== undefined) services.set(current.serviceId, { ...current, active: false });
      return;
    }
    default: {
      const unknown: never = event;
      throw new Error(`unknown catalogue event ${JSON.stringify(unknown)}`);
    }
  }
};

const invalid = (message: string): never => {
  throw new DomainError('invalid_service', message);
};

const text = (value: unknown, field: string, max: number): string => labelText(value, field, max, invalid);

const duration = (value: unknown): number => {
  if (!Number.isInteger(value) || (value as number) < 5 || (value as number) > 720) {
    return invalid('duration_minutes must be a whole number of minutes from 5 to 720');
  }
  return value as number;
};

const stylistsOf = (value: unknown): string[] => {
  if (!Array.isArray(value) || value.length === 0 || value.length > 50) {
    return invalid('stylists must be a list of 1–50 stylist names (leave it out for every stylist)');
  }
  const names = value.map((v) => text(v, 'a stylist', 60));
  if (names.some((n) => stylistSlug(n) === '')) return invalid('a stylist name needs a letter or digit');
  const bySlug = new Map<string, string>();
  for (const n of names) if (!bySlug.has(stylistSlug(n))) bySlug.set(stylistSlug(n), n); // the first spelling
  return [...bySlug.values()];
};

const sameName = (a: string, b: string): boolean => a.localeCompare(b, 'en', { sensitivity: 'base' }) === 0;

/** An id from the name, readable in URLs ("cut-blow-dry"); numbered if one was ever taken. */
const newServiceId = (services: ReadonlyMap<string, Service>, name: string): string => {
  const base = stylistSlug(name) || 'service';
  if (!services.has(base)) return base;
  for (let n = 2; ; n += 1) if (!services.has(`${base}-${n}`)) return `${base}-${n}`;
};

const ensureUnique = (services: ReadonlyMap<string, Service>, name: string, except?: string): void => {
  for (const s of services.values()) {
    if (s.active && s.serviceId !== except && sameName(s.name, name)) {
      throw new DomainError('service_exists', `a service called "${s.name}" already exists`);
    }
  }
};

export const decideCatalogue = (
  services: ReadonlyMap<string, Service>,
  command: CatalogueCommand,
  now: number,
): CatalogueEvent[] => {
  const at = new Date(now).toISOString();
  switch (command.type) {
    case 'define': {
      const { input } = command;
      const name = text(input.name, 'name', 80);
      const durationMinutes = duration(input.durationMinutes);
      const stylists = input.stylists === undefined ? undefined : stylistsOf(input.stylists);
      const price = input.price === undefined ? undefined : text(input.price, 'price', 40);
      ensureUnique(services, name);
      return [
        {
          type: 'ServiceDefined',
          data: {
            serviceId: newServiceId(services, name),
            name,
            durationMinutes,
            ...(stylists !== undefined && { stylists }),
            ...(price !== undefined && { price }),
            definedAt: at,
          },
        },
      ];
    }
    case 'change': {
      const current = services.get(command.serviceId);
      if (current === undefined) throw new DomainError('service_not_found', 'no such service');
      if (!current.active) throw new DomainError('service_retired', 'this service is retired');
      const { input } = command;
      const name = input.name === undefined ? undefined : text(input.name, 'name', 80);
      if (name !== undefined) ensureUnique(services, name, current.serviceId);
      const durationMinutes = input.durationMinutes === undefined ? undefined : duration(input.durationMinutes);
      const stylists =
        input.stylists === undefined ? undefined : input.stylists === null ? null : stylistsOf(input.stylists);
      const price =
        input.price === undefined ? undefined : input.price === null ? null : text(input.price, 'price', 40);
      const changes = {
        ...(name !== undefined && name !== current.name && { name }),
        ...(durationMinutes !== undefined && durationMinutes !== current.durationMinutes && { durationMinutes }),
        ...(stylists !== undefined && JSON.stringify(stylists) !== JSON.stringify(current.stylists) && { stylists }),
        ...(price !== undefined && price !== current.price && { price }),
      };
      if (Object.keys(changes).length === 0) return []; // nothing new: a repeated request
      return [{ type: 'ServiceChanged', data: { serviceId: current.serviceId, ...changes, changedAt: at } }];
    }
    case 'retire': {
      const current = services.get(command.serviceId);
      if (current === undefined) throw new DomainError('service_not_found', 'no such service');
      if (!current.active) return [];
      return [{ type: 'ServiceRetired', data: { serviceId: current.serviceId, retiredAt: at } }];
    }
    default: {
      const unknown: never = command;
      throw new Error(`unknown command ${JSON.stringify(unknown)}`);
    }
  }
};

/** The stylists who offer a service, given every stylist the salon has. */
export const stylistsOffering = (service: Service, everyone: readonly string[]): string[] =>
  service.stylists === null
    ? [...everyone]
    : everyone.filter((s) => service.stylists?.some((t) => stylistSlug(t) === stylistSlug(s)));
