import { api } from '../shared/api.ts';

// The owner's calls carry the token as a bearer credential; it lives in sessionStorage,
// so closing the tab signs out.

export type OwnerSlot = {
  id: string;
  start_time: string;
  end_time: string;
  stylist: string;
  status: 'available' | 'reserved' | 'booked' | 'closed';
  hold: { client: string; reserved_at: string; expires_at: string; seconds_left: number } | null;
  booking: { reference: string; booked_at: string; customer?: { name: string; phone?: string; email?: string } } | null;
  version: number;
};

export type HistoryEvent = {
  revision: number;
  position: number;
  type: string;
  at: string;
  who: { kind: string; id?: string; reason?: string };
  request_id?: string;
  data: Record<string, unknown>;
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

export const ownerApi = <T>(token: string, method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> =>
  api<T>(method, path, body, { authorization: `Bearer ${token}` });
