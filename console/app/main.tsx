/**
 * The console page's entry point: the header with the page links and the target, and the page
 * the address (`#/page/arg`) names, shown once `/api/meta` has answered.
 */
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { AlarmsPage } from './alarms';
import { api } from './client';
import { FunctionsPage } from './functions';
import { JourneyPage } from './journey';
import { OverviewPage } from './overview/page';
import { QueuesPage } from './queues/page';
import type { Meta } from './shared';
import { ErrorLine } from './shared';
import { TablesPage } from './tables';

const PAGES = [
  ['overview', 'Overview'],
  ['queues', 'Queues'],
  ['journey', 'Request journey'],
  ['tables', 'Tables'],
  ['functions', 'Functions'],
  ['alarms', 'Alarms'],
] as const;
type PageId = (typeof PAGES)[number][0];

/** `#/journey/ID` → page `journey`, argument `ID`. */
function readHash(): { page: PageId; arg?: string } {
  const [, page, arg] = location.hash.split('/');
  const known = PAGES.find(([id]) => id === page)?.[0];
  return { page: known ?? 'overview', ...(arg ? { arg: decodeURIComponent(arg) } : {}) };
}

function App() {
  const [route, setRoute] = useState(readHash);
  const [meta, setMeta] = useState<Meta>();
  const [error, setError] = useState<string>();
  useEffect(() => {
    const onHash = () => setRoute(readHash());
    addEventListener('hashchange', onHash);
    api<Meta>('/meta').then(setMeta, (e: Error) => setError(e.message));
    return () => removeEventListener('hashchange', onHash);
  }, []);
  useEffect(() => {
    const title = PAGES.find(([id]) => id === route.page)?.[1] ?? '';
    document.title = `${title} · string-pipeline console`;
  }, [route.page]);
  return (
    <>
      <header>
        <h1>string-pipeline</h1>
        <nav aria-label="Pages">
          {PAGES.map(([id, label]) => (
            <a key={id} href={`#/${id}`} aria-current={route.page === id ? 'page' : undefined}>
              {label}
            </a>
          ))}
        </nav>
        <p class="target">
          {meta ? (
            <>
              {meta.target}
              {meta.writable ? '' : ' · read-only'}
            </>
          ) : (
            ' '
          )}
        </p>
      </header>
      <main>
        <ErrorLine error={error} />
        {meta && route.page === 'overview' && <OverviewPage />}
        {meta && route.page === 'queues' && <QueuesPage meta={meta} />}
        {meta && route.page === 'journey' && <JourneyPage requestId={route.arg} />}
        {meta && route.page === 'tables' && <TablesPage />}
        {meta && route.page === 'functions' && <FunctionsPage meta={meta} />}
        {meta && route.page === 'alarms' && <AlarmsPage />}
      </main>
    </>
  );
}

const root = document.getElementById('app');
if (root) {
  root.textContent = '';
  render(<App />, root);
}
