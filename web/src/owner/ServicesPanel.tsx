import { useCallback, useEffect, useState } from 'react';
import type { ApiFailure, Salon } from '../shared/api.ts';
import { durationText } from '../shared/time.ts';
import { type OwnerService, ownerApi } from './ownerApi.ts';
import { ServiceForm } from './ServiceForm.tsx';

// The menu: every service, retired ones included (kept for the bookings that name them),
// with a form to define a new one and, per service, change or retire it. Retiring stops
// new bookings only: holds and bookings already made stand.

export const ServicesPanel = ({
  token,
  salon,
  onUnauthorised,
}: {
  token: string;
  salon: Salon;
  onUnauthorised: () => void;
}) => {
  const [services, setServices] = useState<OwnerService[]>();
  const [editing, setEditing] = useState<string>();
  const [notice, setNotice] = useState<{ kind: 'ok' | 'error'; text: string }>();

  const failed = useCallback(
    (failure: unknown): void => {
      const { status, message } = failure as ApiFailure;
      if (status === 401) onUnauthorised();
      else setNotice({ kind: 'error', text: message });
    },
    [onUnauthorised],
  );
  const load = useCallback((): void => {
    ownerApi<OwnerService[]>(token, 'GET', '/api/admin/services').then(setServices, failed);
  }, [token, failed]);
  useEffect(load, [load]);

  const saved = (service: OwnerService, verb: string): void => {
    setEditing(undefined);
    setNotice({ kind: 'ok', text: `${service.name} ${verb}.` });
    load();
  };

  const retire = async (service: OwnerService): Promise<void> => {
    if (!window.confirm(`Retire ${service.name}? Clients can no longer book it; existing bookings stand.`)) return;
    try {
      const reply = await ownerApi<{ service: OwnerService }>(
        token,
        'POST',
        `/api/admin/services/${encodeURIComponent(service.id)}/retire`,
      );
      saved(reply.service, 'retired');
    } catch (failure) {
      failed(failure);
    }
  };

  return (
    <div className="layout">
      <section className="panel" aria-labelledby="services-heading">
        <h2 id="services-heading">Services</h2>
        <div aria-live="polite">
          {notice && (
            <p className="notice" data-kind={notice.kind} role={notice.kind === 'error' ? 'alert' : 'status'}>
              {notice.text}
            </p>
          )}
        </div>
        {services === undefined ? (
          <p className="empty">Loading…</p>
        ) : services.length === 0 ? (
          <p className="empty">No services yet: define the first one.</p>
        ) : (
          <ul className="menu" aria-label="Every service">
            {services.map((service) => (
              <li key={service.id} data-service-id={service.id} data-active={service.active}>
                {editing === service.id ? (
                  <ServiceForm
                    token={token}
                    salon={salon}
                    service={service}
                    onSaved={(s) => saved(s, 'saved')}
                    onCancel={() => setEditing(undefined)}
                  />
                ) : (
                  <ServiceRow
                    service={service}
                    onEdit={() => setEditing(service.id)}
                    onRetire={() => void retire(service)}
                  />
                )}
              </li>
            ))}
          </ul>
        )}
      </section>
      <aside className="panel">
        <ServiceForm token={token} salon={salon} onSaved={(s) => saved(s, 'added to the menu')} />
      </aside>
    </div>
  );
};

const ServiceRow = ({
  service,
  onEdit,
  onRetire,
}: {
  service: OwnerService;
  onEdit: () => void;
  onRetire: () => void;
}) => (
  <div className="menu-row">
    <div>
      <strong>{service.name}</strong>
      {!service.active && <span className="tag">retired</span>}
      <div className="sub">
        {durationText(service.duration_minutes)}
        {service.price && ` · ${service.price}`} · {service.stylists.join(', ') || 'no stylist'}
      </div>
    </div>
    {service.active && (
      <div className="actions">
        <button type="button" className="btn quiet" onClick={onEdit} aria-label={`Change ${service.name}`}>
          Change
        </button>
        <button type="button" className="btn danger" onClick={onRetire} aria-label={`Retire ${service.name}`}>
          Retire
        </button>
      </div>
    )}
  </div>
);
