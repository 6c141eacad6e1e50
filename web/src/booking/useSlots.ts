import { useCallback, useState } from 'react';
import type { PublicSlot } from '../shared/api.ts';
import { type LiveMessage, type LiveStatus, useLive } from '../shared/live.ts';

// The slots this browser can see, kept current by the live stream: a snapshot on every
// (re)connect, then one message per commit (`slot`, or `slots` for several at once). Older versions never overwrite newer ones.

export const useSlots = (): { slots: Map<string, PublicSlot>; status: LiveStatus; put(slot: PublicSlot): void } => {
  const [slots, setSlots] = useState(() => new Map<string, PublicSlot>());
  const put = useCallback((slot: PublicSlot) => {
    setSlots((current) => {
      const known = current.get(slot.id);
      if (known !== undefined && known.version > slot.version) return current;
      const next = new Map(current);
      next.set(slot.id, slot);
      return next;
    });
  }, []);
  const onMessage = useCallback(
    (message: LiveMessage) => {
      if (message.type === 'snapshot') {
        const list = (message.timeslots ?? []) as PublicSlot[];
        setSlots(new Map(list.map((s) => [s.id, s])));
      } else if (message.type === 'slot') {
        put(message.timeslot as PublicSlot);
      } else if (message.type === 'slots') {
        // One commit: every slot of it lands in the same render.
        for (const slot of (message.timeslots ?? []) as PublicSlot[]) put(slot);
      }
    },
    [put],
  );
  const status = useLive('/api/live', onMessage);
  return { slots, status, put };
};
