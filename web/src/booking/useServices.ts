import { useEffect, useState } from 'react';
import { type ApiFailure, api, type Service } from '../shared/api.ts';

// The menu clients can book, in the salon's order (loaded once per page).

export const useServices = (): { services: Service[] | undefined; failed: string | undefined } => {
  const [services, setServices] = useState<Service[]>();
  const [failed, setFailed] = useState<string>();
  useEffect(() => {
    api<Service[]>('GET', '/api/services').then(setServices, (failure: ApiFailure) => setFailed(failure.message));
  }, []);
  return { services, failed };
};
