import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import { normalizeIP } from '@fastify/rate-limit';

// Open HTTP connections per network (an IPv4 address, an IPv6 /64). Each costs a file
// descriptor, and the process has a fixed number: one address holding thousands of idle
// keep-alive connections would leave none for anyone else. Past the cap a new connection
// gets a coded 429 and is closed. Not applied behind a reverse proxy (every connection
// comes from the proxy, which is where such a limit belongs).

const REFUSED = JSON.stringify({
  error: 'too_many_connections',
  message: 'too many open connections from your network',
});
const REFUSAL =
  'HTTP/1.1 429 Too Many Requests\r\nConnection: close\r\nRetry-After: 10\r\nContent-Type: application/json\r\n' +
  `Content-Length: ${Buffer.byteLength(REFUSED)}\r\n\r\n${REFUSED}`;

export const capConnectionsPerNetwork = (server: Server, max: number): void => {
  if (max <= 0) return;
  const open = new Map<string, number>();
  server.on('connection', (socket: Socket) => {
    const network = normalizeIP(socket.remoteAddress ?? '', 64);
    const n = open.get(network) ?? 0;
    if (n >= max) {
      socket.end(REFUSAL);
      socket.destroySoon?.();
      return;
    }
    open.set(network, n + 1);
    socket.once('close', () => {
      const left = (open.get(network) ?? 1) - 1;
      if (left > 0) open.set(network, left);
      else open.delete(network);
    });
  });
};
