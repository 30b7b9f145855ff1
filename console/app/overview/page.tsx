/**
 * The Overview page: the pipeline with live counts, requests by stage, the round-trip rate and
 * each function's figures, all from one polled `/overview`.
 */
import type { Overview } from '../../api';
import { usePoll } from '../client';
import { ErrorLine, time } from '../shared';
import { Diagram } from './diagram';
import { FunctionTable } from './function-table';
import { RateChart } from './rate-chart';

const STAGES = [
  ['requested', 'Requested', 'items in the Requests table'],
  ['generated', 'Generated', 'items in the Strings table'],
  ['stored', 'Stored', 'requests with their string stored'],
  ['acknowledged', 'Acknowledged', 'strings acknowledged: round trips done'],
  ['deadLettered', 'In a DLQ', 'messages in the three dead-letter queues'],
] as const;

/** The overview: the pipeline with live counts, counts by stage, the round-trip rate. */
export function OverviewPage() {
  const { data, error } = usePoll<Overview>('/overview');
  return (
    <section aria-labelledby="overview-h">
      <h2 id="overview-h">Overview</h2>
      <ErrorLine error={error} />
      <Diagram queues={data?.queues ?? []} functions={data?.functions ?? []} />
      <div class="row">
        <dl class="stages" aria-label="Requests by stage">
          {STAGES.map(([key, label, help]) => (
            <div
              key={key}
              class={
                key === 'deadLettered' && (data?.stages.deadLettered ?? 0) > 0
                  ? 'stage alarm'
                  : 'stage'
              }
              title={help}
            >
              <dt>{label}</dt>
              <dd data-stage={key}>{data ? data.stages[key] : '–'}</dd>
            </div>
          ))}
        </dl>
        <RateChart series={data?.roundTripsPerSecond ?? []} />
      </div>
      <FunctionTable functions={data?.functions ?? []} />
      <p class="small">
        Counts by stage at {time(data?.stages.countedAt)}. {data?.notes.join(' ')}
      </p>
    </section>
  );
}
