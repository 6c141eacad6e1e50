// The API as the browser sees it: JSON in, JSON out, errors as {error, message}.
// The session cookie rides along on every request (same origin).

export type PublicSlot = {
  id: string;
  start_time: string;
  end_time: string;
  stylist: string;
  status: 'available' | 'unavailable' | 'reserved' | 'booked';
  yours: boolean;
  expires_at?: string;
  seconds_left?: number;
  reference?: string;
  version: number;
};

/** A service on the menu, as clients see it. */
export type Service = {
  id: string;
  name: string;
  duration_minutes: number;
  /** Who offers it. */
  stylists: string[];
  price?: string;
};

/** Where a service can start: `id` is the first slot, `end_time` the appointment's end. */
export type StartOption = {
  id: string;
  start_time: string;
  end_time: string;
  stylist: string;
  status: 'available';
  slot_ids: string[];
};

/** A hold as its holder sees it: the whole appointment under one deadline. */
export type HoldView = {
  id: string;
  service?: string;
  service_name?: string;
  duration_minutes?: number;
  slot_ids: string[];
  start_time: string;
  end_time: string;
  expires_at: string;
};

export type Booking = {
  reference: string;
  slot_id: string;
  slot_ids: string[];
  service?: string;
  service_name?: string;
  duration_minutes?: number;
  stylist: string;
  start_time: string;
  end_time: string;
  status: 'confirmed' | 'cancelled';
  customer: { name: string; phone?: string; email?: string };
  booked_at: string;
  cancelled_at?: string;
  cancellable_until: string;
  manage_token?: string;
};

export type Salon = {
  name: string;
  time_zone: string;
  hold_seconds: number;
  cancel_cutoff_hours: number;
  stylists: string[];
};

export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** The whole error body (a proof-of-work refusal carries its `challenge`). */
    readonly body: Record<string, unknown> = {},
    /** Retry-After, in seconds, when the server said. */
    readonly retryAfter?: number,
  ) {
    super(message);
  }
}

export const api = async <T>(
  method: 'GET' | 'POST' | 'PATCH',
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<T> => {
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      credentials: 'same-origin',
      headers: { ...(body !== undefined && { 'content-type': 'application/json' }), ...headers },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
  } catch {
    throw new ApiFailure(0, 'network', 'No connection. Check your signal and try again.');
  }
  const json = (await response.json().catch(() => ({}))) as { error?: string; message?: string };
  if (!response.ok) {
    const retry = Number(response.headers.get('retry-after') ?? Number.NaN);
    throw new ApiFailure(
      response.status,
      json.error ?? 'error',
      json.message ?? response.statusText,
      json,
      Number.isFinite(retry) ? retry : undefined,
    );
  }
  return json as T;
};
