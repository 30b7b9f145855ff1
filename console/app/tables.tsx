/**
 * The Tables page: the Requests and Strings tables a page at a time, filtered by status, with a
 * pager that walks forward by each page's start key and back by the keys it has seen.
 */
import { useEffect, useState } from 'preact/hooks';
import type { TablePage } from '../api';
import { api } from './client';
import { ColumnHeads, ErrorLine, RequestLink, time } from './shared';

type TableName = 'requests' | 'strings';

const STATUSES = {
  requests: ['REQUESTED', 'STORED'],
  strings: ['GENERATED', 'ACKNOWLEDGED'],
} as const;

const COLUMNS: Record<TableName, string[]> = {
  requests: ['requestId', 'status', 'requestedAt', 'storedAt', 'value'],
  strings: ['requestId', 'status', 'generatedAt', 'acknowledgedAt', 'value'],
};

/** One page of `table` from `start`, read again whenever `reload` changes. */
function useTablePage(table: TableName, status: string, start: string, reload: number) {
  const [page, setPage] = useState<TablePage>();
  const [error, setError] = useState<string>();
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
  return { page, error };
}

/**
 * Both tables, a page at a time: DynamoDB's Scan with Limit and ExclusiveStartKey, never a full
 * scan; refreshed on demand, not polled.
 */
export function TablesPage() {
  const [table, setTable] = useState<TableName>('requests');
  const [status, setStatus] = useState('');
  // The start key of every page read so far, so Previous page can go back without a reverse scan.
  const [pages, setPages] = useState<string[]>(['']);
  const [reload, setReload] = useState(0);
  const start = pages[pages.length - 1] ?? '';
  const { page, error } = useTablePage(table, status, start, reload);
  const reset = () => setPages(['']);
  return (
    <section aria-labelledby="tables-h">
      <h2 id="tables-h">Tables</h2>
      <TableFilter
        table={table}
        status={status}
        onTable={(t) => {
          setTable(t);
          setStatus('');
          reset();
        }}
        onStatus={(s) => {
          setStatus(s);
          reset();
        }}
        onRefresh={() => setReload((n) => n + 1)}
      />
      <ErrorLine error={error} />
      {page && (
        <>
          <ItemsTable table={table} page={page} />
          {page.items.length === 0 && (
            <p class="empty">No items on this page{status ? ` with status ${status}` : ''}.</p>
          )}
          <Pager
            number={pages.length}
            page={page}
            onPrevious={() => setPages((p) => p.slice(0, -1))}
            onNext={() => page.next && setPages((p) => [...p, page.next ?? ''])}
          />
        </>
      )}
    </section>
  );
}

/** Which table, which status, and a refresh: the page reads again only when asked. */
function TableFilter(props: {
  table: TableName;
  status: string;
  onTable: (table: TableName) => void;
  onStatus: (status: string) => void;
  onRefresh: () => void;
}) {
  return (
    <form class="inline" onSubmit={(e) => e.preventDefault()}>
      <label for="table-name">Table</label>
      <select
        id="table-name"
        value={props.table}
        onChange={(e) => props.onTable(e.currentTarget.value as TableName)}
      >
        <option value="requests">Requests (requestor)</option>
        <option value="strings">Strings (generator)</option>
      </select>
      <label for="table-status">Status</label>
      <select
        id="table-status"
        value={props.status}
        onChange={(e) => props.onStatus(e.currentTarget.value)}
      >
        <option value="">any</option>
        {STATUSES[props.table].map((s) => (
          <option key={s} value={s}>
            {s}
          </option>
        ))}
      </select>
      <button type="button" onClick={props.onRefresh}>
        Refresh
      </button>
    </form>
  );
}

/** A page's items, each request id a link to its journey. */
function ItemsTable({ table, page }: { table: TableName; page: TablePage }) {
  const columns = COLUMNS[table];
  return (
    <table class="items" aria-label={`Items of ${page.table}`} data-table={table}>
      <ColumnHeads names={columns} />
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
  );
}

/** Previous and next page, and how many items the scan read to find the ones shown. */
function Pager(props: {
  number: number;
  page: TablePage;
  onPrevious: () => void;
  onNext: () => void;
}) {
  const { number, page } = props;
  return (
    <p class="pager">
      <button type="button" disabled={number < 2} onClick={props.onPrevious}>
        Previous page
      </button>{' '}
      <span class="small">
        page {number}, {page.items.length} shown of {page.scanned} read
      </span>{' '}
      <button type="button" disabled={!page.next} onClick={props.onNext}>
        Next page
      </button>
    </p>
  );
}
