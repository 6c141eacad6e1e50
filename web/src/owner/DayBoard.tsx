import { useCallback, useEffect, useMemo, useState } from 'react';
import type { ApiFailure, Salon } from '../shared/api.ts';
import { type LiveMessage, useLive } from '../shared/live.ts';
import { dayOf } from '../shared/time.ts';
import { groupByAppointment } from './appointments.ts';
import { BoardCard } from './BoardCard.tsx';
import { type OwnerSlot, ownerApi } from './ownerApi.ts';
import { SlotDetail } from './SlotDetail.tsx';
import { StatsChart } from './StatsChart.tsx';

// One day, a column per stylist: appointments (every slot of a booking or hold as one
// block) with the service and customer, holds with their countdown, closed slots. Kept live by the owner stream; click a slot for its history and replay.
// A stylist sees their own column only: the server sends no other (the socket and every
// read are confined to it).

/** The live socket closes with this code once the console session has ended. */
const SIGNED_OUT = 4001;

export const DayBoard = ({
  salon,
  date,
  stylist,
  onUnauthorised,
}: {
  salon: Salon;
  date: string;
  /** The signed-in stylist's column; undefined for an owner (every column). */
  stylist?: string | undefined;
  onUnauthorised: () => void;
}) => {
  const zone = salon.time_zone;
  const [slots, setSlots] = useState(() => new Map<string, OwnerSlot>());
  const [selected, setSelected] = useState<string>();
  const [error, setError] = useState<string>();
  const [position, setPosition] = useState(0);
  const [, tick] = useState(0);

  useEffect(() => {
    const timer = setInterval(() => tick((n) => n + 1), 1_000);
    return () => clearInterval(timer);
  }, []);

  const put = useCallback((slot: OwnerSlot) => {
    setSlots((current) => {
      const known = current.get(slot.id);
      if (known !== undefined && known.version > slot.version) return current;
      return new Map(current).set(slot.id, slot);
    });
  }, []);
  const onMessage = useCallback(
    (message: LiveMessage) => {
      if (message.type === 'snapshot')
        setSlots(new Map(((message.timeslots ?? []) as OwnerSlot[]).map((s) => [s.id, s])));
      if (message.type === 'slot') put(message.timeslot as OwnerSlot);
      if (message.type === 'slots') for (const slot of (message.timeslots ?? []) as OwnerSlot[]) put(slot);
      if (typeof message.position === 'number') setPosition(message.position);
    },
    [put],
  );
  // Signed in by the session cookie on the handshake: no first message needed.
  const status = useLive(`/api/admin/live?from=${date}&to=${date}`, onMessage, undefined, (code) => {
    if (code !== SIGNED_OUT) return false;
    onUnauthorised();
    return true;
  });

  const byStylist = useMemo(() => {
    const columns = new Map<string, OwnerSlot[]>();
    const sorted = [...slots.values()]
      .filter((s) => dayOf(s.start_time, zone) === date)
      .sort((a, b) => a.start_time.localeCompare(b.start_time));
    for (const s of sorted) columns.set(s.stylist, [...(columns.get(s.stylist) ?? []), s]);
    return [...columns];
  }, [slots, zone, date]);

  const act = async (path: string, body: unknown = {}): Promise<void> => {
    setError(undefined);
    try {
      const reply = await ownerApi<{ timeslot?: OwnerSlot }>('POST', path, body);
      if (reply.timeslot) put(reply.timeslot);
    } catch (failure) {
      const { status: code, message } = failure as ApiFailure;
      if (code === 401) onUnauthorised();
      else setError(message);
    }
  };

  const chosen = selected === undefined ? undefined : slots.get(selected);
  /** Every slot of the chosen slot's appointment, as the board knows them (itself alone if none). */
  const appointmentSlots = (slot: OwnerSlot): OwnerSlot[] => {
    const ids = slot.booking?.slot_ids ?? (slot.status === 'reserved' ? slot.hold?.slot_ids : undefined) ?? [slot.id];
    return ids.flatMap((id) => slots.get(id) ?? []);
  };
  return (
    <div className="layout">
      <section aria-labelledby="board-heading">
        <h2 id="board-heading">
          {new Intl.DateTimeFormat('en-GB', { timeZone: 'UTC', weekday: 'long', day: 'numeric', month: 'long' }).format(
            new Date(`${date}T12:00:00Z`),
          )}{' '}
          <span className="live-dot" data-status={status} style={{ color: 'var(--muted)', fontWeight: 400 }}>
            {status === 'live' ? 'live' : 'reconnecting…'}
          </span>
        </h2>
        {error && (
          <p className="notice" data-kind="error" role="alert">
            {error}
          </p>
        )}
        {byStylist.length === 0 ? (
          <p className="empty">
            {stylist === undefined ? 'No slots on this day. Open some from the Schedule tab.' : 'No slots on this day.'}
          </p>
        ) : (
          <div className="board">
            {byStylist.map(([stylist, list]) => (
              <div className="column" key={stylist}>
                <h3>{stylist}</h3>
                {groupByAppointment(list, Date.now()).map((group) => (
                  <BoardCard key={group[0]?.id} slots={group} zone={zone} selected={selected} onSelect={setSelected} />
                ))}
              </div>
            ))}
          </div>
        )}
        <StatsChart date={date} position={position} own={stylist !== undefined} />
      </section>
      <aside>
        {chosen ? (
          <SlotDetail
            salon={salon}
            staffOnly={stylist !== undefined}
            slot={chosen}
            appointment={appointmentSlots(chosen)}
            onSelect={setSelected}
            position={position}
            onClose={() => void act(`/api/admin/timeslots/${chosen.id}/close`, { reason: 'closed from the console' })}
            onReopen={() => void act(`/api/admin/timeslots/${chosen.id}/reopen`)}
            onCancelBooking={(reference) =>
              void act(`/api/admin/bookings/${reference}/cancel`, { reason: 'cancelled from the console' })
            }
            onUnauthorised={onUnauthorised}
          />
        ) : (
          <p className="empty">Select a slot to see its history and replay it.</p>
        )}
      </aside>
    </div>
  );
};
