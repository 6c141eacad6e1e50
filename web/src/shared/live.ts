import { useEffect, useRef, useState } from 'react';

// One WebSocket to the live stream, kept open: it reconnects with backoff after a drop
// and every new connection starts with a fresh snapshot, so nothing missed is lost.

export type LiveStatus = 'connecting' | 'live' | 'reconnecting';
export type LiveMessage = { type: string; position?: number; [key: string]: unknown };

export const useLive = (
  path: string | undefined,
  onMessage: (message: LiveMessage) => void,
  firstMessage?: unknown,
  /** Told why the socket closed; returning true stops reconnecting (e.g. 4001: signed out). */
  onClosed?: (code: number) => boolean | undefined,
): LiveStatus => {
  const [status, setStatus] = useState<LiveStatus>('connecting');
  const handler = useRef(onMessage);
  handler.current = onMessage;
  const closed = useRef(onClosed);
  closed.current = onClosed;
  const hello = JSON.stringify(firstMessage ?? null);

  useEffect(() => {
    if (path === undefined) return;
    let socket: WebSocket | undefined;
    let retry: ReturnType<typeof setTimeout> | undefined;
    let attempts = 0;
    let stopped = false;
    const connect = (): void => {
      const url = new URL(path, window.location.href);
      url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
      socket = new WebSocket(url);
      socket.onopen = () => {
        attempts = 0;
        if (hello !== 'null') socket?.send(hello);
      };
      socket.onmessage = (event) => {
        const message = JSON.parse(String(event.data)) as LiveMessage;
        if (message.type === 'snapshot') setStatus('live');
        handler.current(message);
      };
      socket.onclose = (event) => {
        if (stopped) return;
        if (closed.current?.(event.code) === true) {
          stopped = true;
          return;
        }
        setStatus('reconnecting');
        attempts += 1;
        retry = setTimeout(connect, Math.min(10_000, 250 * 2 ** attempts));
      };
    };
    connect();
    // A phone coming back from the background: reconnect now rather than at the next backoff.
    const wake = (): void => {
      if (document.visibilityState === 'visible' && socket?.readyState === WebSocket.CLOSED) {
        clearTimeout(retry);
        connect();
      }
    };
    document.addEventListener('visibilitychange', wake);
    return () => {
      stopped = true;
      clearTimeout(retry);
      document.removeEventListener('visibilitychange', wake);
      socket?.close();
    };
  }, [path, hello]);

  return status;
};
