import WebSocket from 'ws';

// A real WebSocket client for tests: collects every message and waits for the one wanted.

export type LiveMessage = {
  type: string;
  position?: number;
  timeslot?: Record<string, unknown>;
  timeslots?: Array<Record<string, unknown>>;
  [k: string]: unknown;
};

export type LiveClient = {
  socket: WebSocket;
  messages: LiveMessage[];
  next(predicate?: (m: LiveMessage) => boolean, timeoutMs?: number): Promise<LiveMessage>;
  closed: Promise<{ code: number; reason: string }>;
  send(message: unknown): void;
  close(): void;
};

export const connectLive = (url: string, headers: Record<string, string> = {}): Promise<LiveClient> =>
  new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { headers });
    const messages: LiveMessage[] = [];
    let seen = 0;
    const waiters: Array<() => void> = [];
    socket.on('message', (data) => {
      messages.push(JSON.parse(String(data)) as LiveMessage);
      for (const w of waiters.splice(0)) w();
    });
    const closed = new Promise<{ code: number; reason: string }>((done) =>
      socket.on('close', (code, reason) => done({ code, reason: String(reason) })),
    );
    const next: LiveClient['next'] = (predicate = () => true, timeoutMs = 5_000) =>
      new Promise((found, fail) => {
        const timer = setTimeout(() => fail(new Error(`no matching message in ${timeoutMs} ms`)), timeoutMs);
        const look = (): void => {
          while (seen < messages.length) {
            const m = messages[seen] as LiveMessage;
            seen += 1;
            if (predicate(m)) {
              clearTimeout(timer);
              found(m);
              return;
            }
          }
          waiters.push(look);
        };
        look();
      });
    socket.once('open', () =>
      resolve({
        socket,
        messages,
        next,
        closed,
        send: (message) => socket.send(JSON.stringify(message)),
        close: () => socket.close(),
      }),
    );
    socket.once('error', reject);
  });
