import { evolveCatalogue, type Service, toCatalogueEvent } from '../machines/index.js';

// The salon's services, folded from the catalogue stream: every one ever defined (the owner
// sees retired ones too), in the order defined, and the stream's revision (what the next
// catalogue append must expect).

export type Services = { byId: Map<string, Service>; revision: number };

export const createServices = (): Services => ({ byId: new Map(), revision: -1 });

export const applyToServices = (model: Services, stored: { type: string; data: unknown; revision: number }): void => {
  const event = toCatalogueEvent(stored);
  if (event === undefined) return;
  evolveCatalogue(model.byId, event);
  model.revision = stored.revision;
};

/** Services clients can book, in the order defined. */
export const activeServices = (model: Services): Service[] => [...model.byId.values()].filter((s) => s.active);
