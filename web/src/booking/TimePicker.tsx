import { useId, useMemo, useState } from 'react';
import type { PublicSlot, Service, StartOption } from '../shared/api.ts';
import type { LiveStatus } from '../shared/live.ts';
import { dayLabel, timeOf } from '../shared/time.ts';
import { startsPerDay } from './dayHints.ts';
import { useStartOptions } from './useStartOptions.ts';

// Stylist (or anyone who offers the service), day, then a start time: each option shows
// the whole appointment, start to end. Used to book and to move a booking.

export const TimePicker = ({
  service,
  zone,
  slots,
  status,
  busy,
  initialStylist = 'any',
  initialDay,
  onPick,
}: {
  service: Service;
  zone: string;
  slots: Map<string, PublicSlot>;
  status: LiveStatus;
  busy: boolean;
  initialStylist?: string;
  /** The day to show first (otherwise the first with a start time). */
  initialDay?: string;
  onPick: (option: StartOption) => void;
}) => {
  const [picked, setStylist] = useState(initialStylist);
  const [day, setDay] = useState(initialDay);
  const timesId = useId();
  // A stylist chosen for another service who does not offer this one: anyone, then.
  const stylist = service.stylists.includes(picked) ? picked : 'any';

  const days = useMemo(() => startsPerDay(slots.values(), service, stylist, zone), [slots, service, stylist, zone]);
  const chosenDay = day ?? days.find(([, starts]) => starts > 0)?.[0] ?? days[0]?.[0];
  const { options, loaded } = useStartOptions({ service, day: chosenDay, stylist, zone, slots });

  return (
    <>
      <fieldset className="choice">
        <legend>Stylist</legend>
        <div className="chips">
          {['any', ...service.stylists].map((name) => (
            <button
              key={name}
              type="button"
              className="chip"
              aria-pressed={name === stylist}
              onClick={() => setStylist(name)}
            >
              {name === 'any' ? 'Anyone' : name}
            </button>
          ))}
        </div>
      </fieldset>

      <fieldset className="choice">
        <legend>Day</legend>
        <div className="chips">
          {days.map(([key, starts]) => (
            <button
              key={key}
              type="button"
              className="chip"
              aria-pressed={key === chosenDay}
              data-day={key}
              onClick={() => setDay(key)}
            >
              {dayLabel(key, zone)}
              <small>{starts === 0 ? 'full' : `${starts} ${starts === 1 ? 'time' : 'times'}`}</small>
            </button>
          ))}
        </div>
      </fieldset>

      <h2 id={timesId}>
        {chosenDay ? `Start times on ${dayLabel(chosenDay, zone)}` : 'Start times'}
        <span className="sub"> · {service.name}</span>
      </h2>
      {options.length === 0 ? (
        <p className="empty">
          {status !== 'live' || (chosenDay !== undefined && !loaded)
            ? 'Loading times…'
            : `No ${service.name} times left on this day. Try another day${stylist === 'any' ? '' : ' or stylist'}.`}
        </p>
      ) : (
        <ul className="slots" aria-labelledby={timesId}>
          {options.map((option) => (
            <li key={option.id}>
              <OptionButton option={option} zone={zone} disabled={busy} onPick={() => onPick(option)} />
            </li>
          ))}
        </ul>
      )}
    </>
  );
};

const OptionButton = ({
  option,
  zone,
  disabled,
  onPick,
}: {
  option: StartOption;
  zone: string;
  disabled: boolean;
  onPick: () => void;
}) => {
  const start = timeOf(option.start_time, zone);
  const end = timeOf(option.end_time, zone);
  return (
    <button
      type="button"
      className="slot"
      data-status="available"
      data-slot-id={option.id}
      data-slot-ids={option.slot_ids.join(' ')}
      data-stylist={option.stylist}
      disabled={disabled}
      aria-label={`${start} to ${end} with ${option.stylist}`}
      onClick={onPick}
    >
      <span className="time">{start}</span>
      <span className="until">until {end}</span>
      <span className="who">{option.stylist}</span>
    </button>
  );
};
