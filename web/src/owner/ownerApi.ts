import { api } from '../shared/api.ts';

// The owner's calls carry the token as a bearer credential; it lives in sessionStorage,
// so closing the tab signs out.

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
  who: { kind: string; id?: string; reason?: string };
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

const TOKEN_KEY = 'holdfast-owner-token';
export const savedToken = (): string | null => sessionStorage.getItem(TOKEN_KEY);
export const saveToken = (token: string | null): void => {
  if (token === null) sessionStorage.removeItem(TOKEN_KEY);
  else sessionStorage.setItem(TOKEN_KEY, token);
};

export const ownerApi = <T>(
  token: string,
  method: 'GET' | 'POST' | 'PATCH',
  path: string,
  body?: unknown,
): Promise<T> => api<T>(method, path, body, { authorization: `Bearer ${token}` });
