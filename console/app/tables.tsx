import { useEffect, useState } from 'preact/hooks';
import type { TablePage } from '../api';
import { api } from './client';
import { ErrorLine, RequestLink, time } from './shared';

const STATUSES = {
  requests: ['REQUESTED', 'STORED'],
  strings: ['GENERATED', 'ACKNOWLEDGED'],
} as const;

/**
 * Both tables, a page at a time: DynamoDB's Scan with Limit and ExclusiveStartKey, never a full
 * scan; refreshed on demand, not polled.
 */
export function TablesPage() {
  const [table, setTable] = useState<'requests' | 'strings'>('requests');
  const [status, setStatus] = useState('');
  const [pages, setPages] = useState<string[]>(['']);
  const [page, setPage] = useState<TablePage>();
  const [error, setError] = useState<string>();
  const [reload, setReload] = useState(0);
  const start = pages[pages.length - 1] ?? '';
  useEffect(() => {
    const q = new URLSearchParams({
      limit: '20',
      ...(status ? { status } : {}),
      ...(start ? { start } : {}),
    });
    api<TablePage>(`/tables/${table}?${q}`).then(
      (p) => {
        setPage(p);
        setError(undefined);
      },
      (e: Error) => setError(e.message),
    );
  }, [table, status, start, reload]);
  const reset = () => setPages(['']);
  const columns =
    table === 'requests'
      ? ['requestId', 'status', 'requestedAt', 'storedAt', 'value']
      : ['requestId', 'status', 'generatedAt', 'acknowledgedAt', 'value'];
  return (
    <section aria-labelledby="tables-h">
      <h2 id="tables-h">Tables</h2>
      <form class="inline" onSubmit={(e) => e.preventDefault()}>
        <label for="table-name">Table</label>
        <select
          id="table-name"
          value={table}
          onChange={(e) => {
            setTable(e.currentTarget.value as 'requests' | 'strings');
            setStatus('');
            reset();
          }}
        >
          <option value="requests">Requests (requestor)</option>
          <option value="strings">Strings (generator)</option>
        </select>
        <label for="table-status">Status</label>
        <select
          id="table-status"
          value={status}
          onChange={(e) => {
            setStatus(e.currentTarget.value);
            reset();
          }}
        >
          <option value="">any</option>
          {STATUSES[table].map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
        <button type="button" onClick={() => setReload((n) => n + 1)}>
          Refresh
        </button>
      </form>
      <ErrorLine error={error} />
      {page && (
        <>
          <table class="items" aria-label={`Items of ${page.table}`} data-table={table}>
            <thead>
              <tr>
                {columns.map((c) => (
                  <th key={c} scope="col">
                    {c}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {page.items.map((item) => (
                <tr key={String(item.requestId)}>
                  {columns.map((c) => (
                    <td key={c} class={c === 'value' ? 'mono body' : ''}>
                      {c === 'requestId' ? (
                        <RequestLink id={String(item.requestId)} />
                      ) : c.endsWith('At') ? (
                        time(item[c])
                      ) : (
                        String(item[c] ?? '–')
                      )}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
          {page.items.length === 0 && (
            <p class="empty">No items on this page{status ? ` with status ${status}` : ''}.</p>
          )}
          <p class="pager">
            <button
              type="button"
              disabled={pages.length < 2}
              onClick={() => setPages((p) => p.slice(0, -1))}
            >
              Previous page
            </button>{' '}
            <span class="small">
              page {pages.length}, {page.items.length} shown of {page.scanned} read
            </span>{' '}
            <button
              type="button"
              disabled={!page.next}
              onClick={() => page.next && setPages((p) => [...p, page.next ?? ''])}
            >
              Next page
            </button>
          </p>
        </>
      )}
    </section>
  );
}
