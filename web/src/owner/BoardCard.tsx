import type { CSSProperties } from 'react';
import { clock, timeOf } from '../shared/time.ts';
import { appointmentOf } from './appointments.ts';
import type { OwnerSlot } from './ownerApi.ts';

// One block on the day board: a free or closed slot, or a whole appointment (every slot of
// a hold or booking), as tall as the slots it spans, with its service and customer.

export const BoardCard = ({
  slots,
  zone,
  selected,
  onSelect,
}: {
  /** One slot, or the slots of one appointment in time order. */
  slots: OwnerSlot[];
  zone: string;
  selected: string | undefined;
  onSelect: (slotId: string) => void;
}) => {
  const first = slots[0] as OwnerSlot;
  const last = slots[slots.length - 1] as OwnerSlot;
  const now = Date.now();
  const left = first.hold ? (Date.parse(first.hold.expires_at) - now) / 1_000 : 0;
  const live = first.status === 'reserved' && left > 0;
  const status = first.status === 'reserved' && !live ? 'available' : first.status;
  const appointment = appointmentOf(first, now);
  const service = first.booking?.service_name ?? (live ? first.hold?.service_name : undefined);
  const customer = first.booking?.customer;
  const span = slots.length;
  return (
    <button
      type="button"
      className={appointment ? 'card appointment' : 'card'}
      data-status={status}
      data-slot-id={first.id}
      data-slot-ids={slots.map((s) => s.id).join(' ')}
      data-appointment={appointment}
      aria-current={slots.some((s) => s.id === selected)}
      style={{ '--span': span } as CSSProperties}
      onClick={() => onSelect(first.id)}
    >
      <span className="top">
        <span>
          {timeOf(first.start_time, zone)}–{timeOf(last.end_time, zone)}
        </span>
        <span>{status === 'reserved' ? `held ${clock(left)}` : status}</span>
      </span>
      {service && (
        <span className="service-name" data-testid="block-service">
          {service}
          {span > 1 && <small> · {span} slots</small>}
        </span>
      )}
      {first.booking && (
        <span className="sub" style={{ display: 'block' }}>
          {customer && `${customer.name} · ${customer.phone ?? customer.email} · `}
          {first.booking.reference}
        </span>
      )}
    </button>
  );
};
