import { Agent, fetch } from 'undici';

// Clients on many networks, for the rules that count per address: every 127.x.y.z is this
// machine, and a socket bound to one arrives from it. One agent (one connection pool) each.

export type Caller = {
  readonly ip: string;
  /** The session cookie this client was given, once it has one. */
  cookie: string | undefined;
  call(
    method: string,
    url: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<{ status: number; headers: Headers; body: Record<string, unknown> }>;
  close(): Promise<void>;
};

/** The nth of 62,500 distinct loopback addresses (127.0.1.1 onwards). */
export const loopback = (n: number): string => `127.0.${Math.floor(n / 250) + 1}.${(n % 250) + 1}`;

export const callerFrom = (ip: string): Caller => {
  const agent = new Agent({ localAddress: ip });
  const caller: Caller = {
    ip,
    cookie: undefined,
    call: async (method, url, body, headers = {}) => {
      const res = await fetch(url, {
        method,
        dispatcher: agent,
        headers: {
          ...headers,
          ...(caller.cookie !== undefined && { cookie: caller.cookie }),
          ...(body !== undefined && { 'content-type': 'application/json' }),
        },
        ...(body !== undefined && { body: JSON.stringify(body) }),
      });
      const set = res.headers.get('set-cookie');
      if (set?.startsWith('hf_session=')) caller.cookie = set.split(';')[0];
      const text = await res.text();
      return { status: res.status, headers: res.headers, body: text === '' ? {} : JSON.parse(text) };
    },
    close: () => agent.close(),
  };
  return caller;
};
