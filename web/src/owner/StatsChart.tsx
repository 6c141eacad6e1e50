import { useEffect, useState } from 'react';
import { ownerApi, type Stats } from './ownerApi.ts';

// The day at a glance: how full each stylist is, and how holds ended (booked, released,
// or left to run out — a high "expired" share means the booking form loses people).

const COLOURS = { booked: '#2f5d52', reserved: '#c9835b', closed: '#9a9a9a', cancelled: '#e0a96d', expired: '#b3541e' };

export const StatsChart = ({
  date,
  position,
  own = false,
}: {
  date: string;
  position: number;
  /** A stylist's own column only (the server confines their stats to it). */
  own?: boolean;
}) => {
  const [stats, setStats] = useState<Stats>();
  // biome-ignore lint/correctness/useExhaustiveDependencies: a new log position is the refetch trigger
  useEffect(() => {
    const timer = setTimeout(() => {
      ownerApi<Stats>('GET', `/api/admin/stats?date=${date}`).then(setStats, () => undefined);
    }, 300);
    return () => clearTimeout(timer);
  }, [date, position]);
  if (stats === undefined || stats.slots === 0) return null;
  const holds = stats.holds.booked + stats.holds.cancelled + stats.holds.expired;
  const pct = (n: number, of: number) => (of === 0 ? 0 : (n / of) * 100);
  return (
    <section className="panel" aria-labelledby="stats-heading">
      <h2 id="stats-heading">{own ? 'Your day at a glance' : 'The day at a glance'}</h2>
      <div className="chart" role="img" aria-label={`${stats.status.booked} of ${stats.slots} slots booked`}>
        {stats.stylists.map((s) => (
          <div className="row" key={s.stylist}>
            <span>{s.stylist}</span>
            <span className="stack">
              <span style={{ width: `${pct(s.booked, s.slots)}%`, background: COLOURS.booked }} />
            </span>
            <span>
              {s.booked}/{s.slots}
            </span>
          </div>
        ))}
      </div>
      <h3>How holds ended ({holds})</h3>
      <div
        className="stack"
        role="img"
        aria-label={`${stats.holds.booked} booked, ${stats.holds.cancelled} released, ${stats.holds.expired} expired`}
        data-testid="hold-outcomes"
      >
        <span style={{ width: `${pct(stats.holds.booked, holds)}%`, background: COLOURS.booked }} />
        <span style={{ width: `${pct(stats.holds.cancelled, holds)}%`, background: COLOURS.cancelled }} />
        <span style={{ width: `${pct(stats.holds.expired, holds)}%`, background: COLOURS.expired }} />
      </div>
      <p className="legend">
        <span>
          <i style={{ background: COLOURS.booked }} />
          booked {stats.holds.booked}
        </span>
        <span>
          <i style={{ background: COLOURS.cancelled }} />
          released {stats.holds.cancelled}
        </span>
        <span>
          <i style={{ background: COLOURS.expired }} />
          expired {stats.holds.expired}
        </span>
      </p>
    </section>
  );
};
