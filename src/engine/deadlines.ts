import type { Logger } from 'pino';
import type { SlotCommand } from '../../machines/index.js';
import type { SlotSummary } from '../../projections/index.js';
import type { Clock } from '../clock.js';
import type { CommandMeta, CommandResult } from './engine.js';

// Hold deadlines: the machine signals, and the expiry is persisted through the same path as
// any command. At start-up, holds whose deadline passed while we were down are expired
// (with an event) and the rest re-armed, in the order the holds were taken.

const EXPIRE_RETRY_MS = 1_000;
const SYSTEM_EXPIRY: CommandMeta = { actor: { kind: 'system', reason: 'hold_expired' } };

export const createDeadlines = (deps: {
  clock: Clock;
  execute(slotId: string, command: SlotCommand, meta: CommandMeta): Promise<CommandResult>;
  /** Builds the slot's actor, which arms its timer. */
  arm(slotId: string): Promise<void>;
  stopping(): boolean;
  logger?: Logger | undefined;
}) => {
  const { clock, logger } = deps;

  function expire(slotId: string, holdId: string): void {
    if (deps.stopping()) return;
    deps.execute(slotId, { type: 'expire', holdId }, SYSTEM_EXPIRY).then(
      ({ slot }) => {
        // A timer may fire a hair early against the clock; try again when the deadline is due.
        if (slot.hold?.holdId === holdId) {
          clock.setTimeout(() => expire(slotId, holdId), Math.max(1, slot.hold.expiresAt - clock.now()));
        }
      },
      (error: unknown) => {
        logger?.warn({ err: error, slotId, holdId }, 'expiring a hold failed; will retry');
        clock.setTimeout(() => expire(slotId, holdId), EXPIRE_RETRY_MS);
      },
    );
  }

  /** After replay: expire what lapsed while we were down, arm the rest. */
  const settle = async (held: readonly SlotSummary[]): Promise<void> => {
    const now = clock.now();
    await Promise.all(
      held.map(async (slot) => {
        const holdId = slot.hold?.holdId ?? '';
        if ((slot.hold?.expiresAt ?? 0) <= now) {
          await deps.execute(slot.slotId, { type: 'expire', holdId }, SYSTEM_EXPIRY).catch((error: unknown) => {
            logger?.warn({ err: error, slotId: slot.slotId }, 'start-up expiry failed; will retry');
            clock.setTimeout(() => expire(slot.slotId, holdId), EXPIRE_RETRY_MS);
          });
        } else {
          await deps.arm(slot.slotId);
        }
      }),
    );
  };

  return { expire, settle };
};
