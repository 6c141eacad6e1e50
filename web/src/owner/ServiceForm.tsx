import { type FormEvent, useId, useState } from 'react';
import type { ApiFailure, Salon } from '../shared/api.ts';
import { type OwnerService, ownerApi } from './ownerApi.ts';
import { TextField } from './TextField.tsx';

// Define a service, or change one. "Every stylist" is kept as such (a stylist who joins
// offers it too); otherwise the ones ticked. Holds and bookings already made keep what
// they were, so a change is safe at any time.

const sameSet = (a: string[], b: string[]): boolean => a.length === b.length && a.every((x) => b.includes(x));

export const ServiceForm = ({
  salon,
  service,
  onSaved,
  onCancel,
}: {
  salon: Salon;
  /** The service to change; undefined to define a new one. */
  service?: OwnerService;
  onSaved: (service: OwnerService) => void;
  onCancel?: () => void;
}) => {
  const id = useId();
  const [name, setName] = useState(service?.name ?? '');
  const [minutes, setMinutes] = useState(service?.duration_minutes ?? 30);
  const [price, setPrice] = useState(service?.price ?? '');
  const [everyone, setEveryone] = useState(service === undefined || sameSet(service.stylists, salon.stylists));
  // A new service offered by some stylists only starts with none ticked: the owner picks.
  const [stylists, setStylists] = useState<string[]>(service?.stylists ?? []);
  const [error, setError] = useState<string>();
  const [saving, setSaving] = useState(false);
  // Stylists ticked for this service but without upcoming slots are still listed.
  const names = [...new Set([...salon.stylists, ...stylists])];

  const submit = async (event: FormEvent): Promise<void> => {
    event.preventDefault();
    setError(undefined);
    if (!everyone && stylists.length === 0) {
      setError('Tick at least one stylist, or choose every stylist.');
      return;
    }
    setSaving(true);
    try {
      const body =
        service === undefined
          ? {
              name: name.trim(),
              duration_minutes: minutes,
              ...(!everyone && { stylists }),
              ...(price.trim() && { price: price.trim() }),
            }
          : {
              name: name.trim(),
              duration_minutes: minutes,
              stylists: everyone ? null : stylists,
              price: price.trim() === '' ? null : price.trim(),
            };
      const reply =
        service === undefined
          ? await ownerApi<{ service: OwnerService }>('POST', '/api/admin/services', body)
          : await ownerApi<{ service: OwnerService }>(
              'PATCH',
              `/api/admin/services/${encodeURIComponent(service.id)}`,
              body,
            );
      onSaved(reply.service);
      if (service === undefined) {
        setName('');
        setPrice('');
      }
    } catch (failure) {
      const { code, message } = failure as ApiFailure;
      setError(code === 'service_exists' ? `There is already a service called “${name.trim()}”.` : message);
    } finally {
      setSaving(false);
    }
  };

  const heading = service === undefined ? 'New service' : `Change ${service.name}`;
  return (
    <form onSubmit={(e) => void submit(e)} aria-label={heading} className="service-form">
      <h3>{heading}</h3>
      <TextField id={`${id}-name`} label="Name" required maxLength={200} value={name} onChange={setName} />
      <TextField
        id={`${id}-minutes`}
        label="Duration (minutes)"
        type="number"
        min={5}
        max={720}
        step={5}
        required
        value={minutes}
        onChange={(v) => setMinutes(Number(v))}
      />
      <TextField
        id={`${id}-price`}
        label="Price (as shown to clients, optional)"
        maxLength={100}
        placeholder="£35"
        value={price}
        onChange={setPrice}
      />
      <fieldset className="stylist-picks">
        <legend>Who offers it</legend>
        <label>
          <input type="checkbox" checked={everyone} onChange={(e) => setEveryone(e.target.checked)} /> Every stylist
          (new ones too)
        </label>
        {!everyone &&
          names.map((stylist) => (
            <label key={stylist}>
              <input
                type="checkbox"
                checked={stylists.includes(stylist)}
                onChange={(e) =>
                  setStylists((list) => (e.target.checked ? [...list, stylist] : list.filter((s) => s !== stylist)))
                }
              />{' '}
              {stylist}
            </label>
          ))}
      </fieldset>
      <div aria-live="assertive">
        {error && (
          <p className="notice" data-kind="error" role="alert">
            {error}
          </p>
        )}
      </div>
      <div className="actions">
        <button type="submit" className="btn primary" disabled={saving || name.trim() === ''}>
          {service === undefined ? 'Add service' : 'Save changes'}
        </button>
        {onCancel && (
          <button type="button" className="btn quiet" onClick={onCancel}>
            Cancel
          </button>
        )}
      </div>
    </form>
  );
};
