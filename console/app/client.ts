/**
 * How the page talks to the console API: `api`, which turns every failure into one sentence, and
 * `usePoll`, which keeps a page's data fresh without piling up requests.
 */
import { useEffect, useRef, useState } from 'preact/hooks';

/** Where the console is served (`/_console`), read from the page. */
export const BASE = document.getElementById('app')?.dataset.base ?? '/_console';

/** This run's token, which the server put in the page and wants back with every change. */
const TOKEN = document.getElementById('app')?.dataset.token ?? '';

/** A failed API call, with the one-sentence reason the server gave. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
}

/** Calls the console API; a failure becomes an {@link ApiError} naming what failed. */
export async function api<T>(path: string, body?: unknown): Promise<T> {
  let res: Response;
  try {
    res = await fetch(`${BASE}/api${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers:
        body === undefined ? {} : { 'content-type': 'application/json', 'x-console-token': TOKEN },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError('The console server does not answer: is it still running?');
  }
  const data = (await res.json().catch(() => ({}))) as { error?: string };
  if (!res.ok) throw new ApiError(data.error ?? `The console answered HTTP ${res.status}`);
  return data as T;
}

/** Polling state: the last data, and the last error (cleared by the next success). */
export interface Polled<T> {
  data?: T;
  error?: string;
  refresh: () => void;
}

/**
 * Fetches `path` now and then every `intervalMs` (at least 1 s) after the previous answer, so
 * requests never pile up; pauses while the tab is hidden.
 */
export function usePoll<T>(path: string | undefined, intervalMs = 1000): Polled<T> {
  const [state, setState] = useState<{ data?: T; error?: string }>({});
  const tick = useRef<() => void>(() => {});
  useEffect(() => {
    if (!path) return;
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const run = async () => {
      clearTimeout(timer);
      if (!document.hidden) {
        try {
          const data = await api<T>(path);
          if (!stopped) setState({ data });
        } catch (error) {
          if (!stopped) setState((s) => ({ data: s.data, error: (error as Error).message }));
        }
      }
      if (!stopped) timer = setTimeout(run, Math.max(1000, intervalMs));
    };
    tick.current = () => void run();
    void run();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [path, intervalMs]);
  return { ...state, refresh: () => tick.current() };
}
