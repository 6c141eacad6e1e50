import { ApiFailure, api } from '../shared/api.ts';

// The console's calls: signed in by the staff session cookie, never a token in the page.

export type OwnerSlot = {
  id: string;
  start_time: string;
  end_time: string;
  stylist: string;
  status: 'available' | 'reserved' | 'booked' | 'closed';
  /** The same `id` (and `slot_ids`) on every slot of one appointment. */
  hold: {
    id: string;
    client: string;
    service?: string;
    service_name?: string;
    slot_ids: string[];
    reserved_at: string;
    expires_at: string;
    seconds_left: number;
  } | null;
  /** The same `reference` (and `slot_ids`) on every slot of one appointment. */
  booking: {
    reference: string;
    booked_at: string;
    service?: string;
    service_name?: string;
    slot_ids: string[];
    customer?: { name: string; phone?: string; email?: string };
  } | null;
  version: number;
};

/** A service as the owner sees it: retired ones too. */
export type OwnerService = {
  id: string;
  name: string;
  duration_minutes: number;
  stylists: string[];
  price?: string;
  active: boolean;
};

export type HistoryEvent = {
  revision: number;
  position: number;
  type: string;
  at: string;
  who: { kind: string; id?: string; reason?: string; accountId?: string; name?: string; role?: string };
  request_id?: string;
  /** The hold id or booking reference this event belongs to. */
  appointment?: string;
  data: Record<string, unknown>;
};

/** A message the salon owes, and what became of it (GET /api/admin/notifications). */
export type OwnerNotification = {
  id: string;
  booking: string;
  kind: string;
  channel: 'email' | 'sms';
  to: string;
  status: 'scheduled' | 'sent' | 'failed' | 'given_up' | 'skipped' | 'withdrawn';
  attempts: number;
  due_at: string;
  sent_at?: string;
  error?: string;
};

export type Stats = {
  slots: number;
  status: { available: number; reserved: number; booked: number; closed: number };
  holds: { booked: number; cancelled: number; expired: number };
  stylists: Array<{ stylist: string; slots: number; booked: number }>;
};

/** A staff account (GET /api/auth/me, /api/admin/staff). */
export type Account = {
  id: string;
  email: string;
  name: string;
  role: 'owner' | 'stylist';
  /** Their column in the schedule (stylists). */
  stylist: string | null;
  active: boolean;
  created_at: string;
};

/** Who is signed in to this browser, and until when. */
export type Me = { account: Account; session: { id: string; expires_at: string } };

/** An invite not yet used. */
export type Invite = {
  id: string;
  email: string;
  name: string;
  role: string;
  stylist: string | null;
  issued_at: string;
  expires_at: string;
};

/** A console session signed in now. */
export type StaffSession = {
  id: string;
  account_id: string;
  name: string;
  device: string | null;
  started_at: string;
  expires_at: string;
  /** The session of this browser. */
  current: boolean;
};

/** What time off (or reopening it) did. */
export type TimeOffOutcome = {
  message: string;
  changed: string[];
  unchanged: number;
  booked: Array<{ id: string; reference: string; start_time: string }>;
  failed: Array<{ id: string; error: string; message: string }>;
};

// Any call refused with 401 (the session ended: signed out elsewhere, revoked, run out)
// sends the console back to its sign-in form, wherever it was made from.
let unauthorised: () => void = () => undefined;
export const onUnauthorised = (handler: () => void): (() => void) => {
  unauthorised = handler;
  return () => {
    if (unauthorised === handler) unauthorised = () => undefined;
  };
};

/**
 * A console call. The session cookie (HttpOnly, set by the server at sign-in) rides along
 * on every same-origin request; the page never sees it. A POST without a body sends `{}`.
 */
export const ownerApi = async <T>(method: 'GET' | 'POST' | 'PATCH', path: string, body?: unknown): Promise<T> => {
  try {
    return await api<T>(method, path, body ?? (method === 'GET' ? undefined : {}));
  } catch (failure) {
    if (failure instanceof ApiFailure && failure.status === 401) unauthorised();
    throw failure;
  }
};
