import { createHmac } from 'node:crypto';
import { normalizeIP } from '@fastify/rate-limit';

// A client's network, as the rules that outlive a cookie see it (holds per network, the
// cool-down after a hold): an IPv4 address, or an IPv6 /64 (one household or phone gets a
// whole /64). It goes into the log with the hold, so it is stored only as a keyed hash: the
// same network gives the same id in every process sharing the secret, and the log never
// holds an address.

export type NetworkIds = (ip: string) => string;

export const createNetworkIds = (secret: string, remember = 10_000): NetworkIds => {
  const known = new Map<string, string>();
  return (ip) => {
    const network = normalizeIP(ip, 64);
    const seen = known.get(network);
    if (seen !== undefined) return seen;
    const id = createHmac('sha256', secret).update(`holdfast-network:${network}`).digest('base64url').slice(0, 16);
    if (known.size >= remember) known.delete(known.keys().next().value ?? '');
    known.set(network, id);
    return id;
  };
};
