import type { Service } from '../shared/api.ts';
import { durationText } from '../shared/time.ts';

// The menu, first: what the client wants decides how long the time must be and who can do it.

export const ServicePicker = ({
  services,
  chosen,
  onChoose,
}: {
  services: Service[];
  chosen: string | undefined;
  onChoose: (service: Service) => void;
}) => (
  <fieldset className="choice">
    <legend>Service</legend>
    <div className="services">
      {services.map((service) => (
        <button
          key={service.id}
          type="button"
          className="service"
          aria-pressed={service.id === chosen}
          data-service-id={service.id}
          onClick={() => onChoose(service)}
        >
          <span className="name">{service.name}</span>
          <span className="meta">
            {durationText(service.duration_minutes)}
            {service.price && <span className="price">{service.price}</span>}
          </span>
        </button>
      ))}
    </div>
  </fieldset>
);
