/**
 * What several pages use: the type of `/api/meta`'s answer, the error line, table heads, times as the local
 * clock shows them, and links to a request's journey.
 */
import type { ConsoleApi } from '../api';

/** What `/api/meta` answers. */
export type Meta = ReturnType<ConsoleApi['meta']>;

/** A failure, as one sentence in an alert region (nothing when there is none). */
export function ErrorLine({ error }: { error?: string }) {
  return error ? (
    <p class="error" role="alert">
      {error}
    </p>
  ) : null;
}

/** A table's head: one column header per name. */
export function ColumnHeads({ names }: { names: readonly string[] }) {
  return (
    <thead>
      <tr>
        {names.map((name) => (
          <th key={name} scope="col">
            {name}
          </th>
        ))}
      </tr>
    </thead>
  );
}

/** An ISO time as the local clock shows it, with milliseconds. */
export function time(iso: unknown): string {
  if (typeof iso !== 'string' || !iso) return '—';
  const d = new Date(iso);
  return Number.isNaN(d.getTime())
    ? String(iso)
    : `${d.toLocaleTimeString(undefined, { hour12: false })}.${String(d.getMilliseconds()).padStart(3, '0')}`;
}

/** A link to a request's journey. */
export function RequestLink({ id }: { id: string }) {
  return (
    <a class="mono" href={`#/journey/${encodeURIComponent(id)}`}>
      {id}
    </a>
  );
}
