import { normalizeIP } from '@fastify/rate-limit';

// Live sockets per network (an IPv4 address, an IPv6 /64): each costs the server memory
// (~80 KB) and a share of every push, so one address cannot open thousands. Checked before
// the upgrade (a cheap refusal) and counted once the socket is open (so an upgrade that
// never completes holds no place); a socket that slipped past between the two is closed.

export const createSocketCap = (max: number) => {
  const open = new Map<string, number>();
  const networkOf = (ip: string): string => normalizeIP(ip, 64);
  return {
    /** Whether another socket from this IP would be over the cap. */
    full: (ip: string): boolean => max > 0 && (open.get(networkOf(ip)) ?? 0) >= max,
    /** Counts an open socket; returns its release, or undefined when the cap is already reached. */
    enter: (ip: string): (() => void) | undefined => {
      const network = networkOf(ip);
      const n = open.get(network) ?? 0;
      if (max > 0 && n >= max) return undefined;
      open.set(network, n + 1);
      let left = false;
      return () => {
        if (left) return;
        left = true;
        const now = (open.get(network) ?? 1) - 1;
        if (now > 0) open.set(network, now);
        else open.delete(network);
      };
    },
  };
};

export type SocketCap = ReturnType<typeof createSocketCap>;
