import { isSlotId, type RecordedEvent, slotIdOfStream } from '../../machines/index.js';
import type { Mailboxes } from './mailbox.js';
import type { CommittedListener } from './projector.js';
import type { ActorRegistry } from './registry.js';

// Other processes writing to the same log: a stale actor reloads, and every process arms a
// timer for every hold (one expiry lands, the others see a conflict and move on). Fed with
// every commit the projector folds, ours included (those the actors already have are skipped).

export const followOthers = (registry: ActorRegistry, mailboxes: Mailboxes): CommittedListener => {
  const follow = (event: RecordedEvent): void => {
    const slotId = slotIdOfStream(event.streamId);
    if (slotId === undefined || !isSlotId(slotId)) return;
    const current = registry.get(slotId);
    if ((current?.revision ?? -1) >= event.revision) return;
    if (current === undefined && event.type !== 'TimeslotReserved') return;
    mailboxes
      .run(slotId, async () => {
        if ((registry.get(slotId)?.revision ?? -1) >= event.revision) return;
        registry.drop(slotId);
        await registry.activate(slotId);
      })
      .catch(() => undefined); // busy: the queued commands will reload on conflict anyway
  };
  return (commit) => {
    for (const event of commit) follow(event);
  };
};
