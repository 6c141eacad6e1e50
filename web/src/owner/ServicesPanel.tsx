import { useCallback, useEffect, useState } from 'react';
import type { ApiFailure, Salon } from '../shared/api.ts';
import { durationText } from '../shared/time.ts';
import { MenuRow } from './MenuRow.tsx';
import { Notice, type NoticeText } from './Notice.tsx';
import { type OwnerService, ownerApi } from './ownerApi.ts';
import { ServiceForm } from './ServiceForm.tsx';

// The menu: every service, retired ones included (kept for the bookings that name them),
// with a form to define a new one and, per service, change or retire it. Retiring stops
// new bookings only: holds and bookings already made stand.

export const ServicesPanel = ({ salon, onUnauthorised }: { salon: Salon; onUnauthorised: () => void }) => {
  const [services, setServices] = useState<OwnerService[]>();
  const [editing, setEditing] = useState<string>();
  const [notice, setNotice] = useState<NoticeText>();

  const failed = useCallback(
    (failure: unknown): void => {
      const { status, message } = failure as ApiFailure;
      if (status === 401) onUnauthorised();
      else setNotice({ kind: 'error', text: message });
    },
    [onUnauthorised],
  );
  const load = useCallback((): void => {
    ownerApi<OwnerService[]>('GET', '/api/admin/services').then(setServices, failed);
  }, [failed]);
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
        <Notice notice={notice} />
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
        <ServiceForm salon={salon} onSaved={(s) => saved(s, 'added to the menu')} />
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
  <MenuRow
    title={service.name}
    tags={!service.active && <span className="tag">retired</span>}
    sub={
      <>
        {durationText(service.duration_minutes)}
        {service.price && ` · ${service.price}`} · {service.stylists.join(', ') || 'no stylist'}
      </>
    }
  >
    {/* A retired service is kept for the bookings that name it: nothing left to do to it. */}
    {service.active && (
      <>
        <button type="button" className="btn quiet" onClick={onEdit} aria-label={`Change ${service.name}`}>
          Change
        </button>
        <button type="button" className="btn danger" onClick={onRetire} aria-label={`Retire ${service.name}`}>
          Retire
        </button>
      </>
    )}
  </MenuRow>
);
