import type { FunctionStats, Overview, QueueInfo } from '../api';
import { OLDEST_AGE_NOTE } from '../notes';
import { usePoll } from './client';
import { ErrorLine, time } from './shared';

const BOX_W = 112;
const FLOW_Y = 40;
const DLQ_Y = 196;
const QUEUE_H = 108;
const X = (i: number) => 10 + i * 124;

/** The flow, left to right, as the stack wires it. */
const FLOW: ({ kind: 'fn' | 'schedule'; label: string } | { kind: 'queue'; id: string })[] = [
  { kind: 'schedule', label: 'Schedule' },
  { kind: 'fn', label: 'requestor' },
  { kind: 'queue', id: 'request' },
  { kind: 'fn', label: 'generator' },
  { kind: 'queue', id: 'response' },
  { kind: 'fn', label: 'requestor' },
  { kind: 'queue', id: 'ack' },
  { kind: 'fn', label: 'generator' },
];

/** A duration in seconds as the diagram shows it. */
const age = (s: number) =>
  s < 120 ? `${s} s` : s < 7200 ? `${Math.floor(s / 60)} min` : `${Math.floor(s / 3600)} h`;
const ms = (v?: number) => (v === undefined ? '–' : v < 10 ? v.toFixed(1) : String(Math.round(v)));

/** A function's figures under its node in the diagram. */
function FunctionFigures({ fn, x }: { fn?: FunctionStats; x: number }) {
  if (!fn) return null;
  const cx = x + BOX_W / 2;
  return (
    <g class="figures" data-fn-figures={fn.key}>
      <title>{`${fn.key}, last ${fn.windowMinutes} minutes, from REPORT lines. ${fn.throttlesNote}`}</title>
      <text x={cx} y={FLOW_Y + 88} text-anchor="middle" class="small">
        {fn.invocations} invocations
      </text>
      <text
        x={cx}
        y={FLOW_Y + 102}
        text-anchor="middle"
        class={fn.errors > 0 ? 'small alarm-text' : 'small'}
      >
        {fn.errors} error{fn.errors === 1 ? '' : 's'}, {fn.throttles ?? '—'} throttled
      </text>
      <text x={cx} y={FLOW_Y + 116} text-anchor="middle" class="small">
        p50 {ms(fn.p50Ms)} · p99 {ms(fn.p99Ms)} ms
      </text>
    </g>
  );
}

/** Per function: invocations, errors, throttles and p50/p99 duration over the last minutes. */
function FunctionTable({ functions }: { functions: FunctionStats[] }) {
  const window = functions[0]?.windowMinutes ?? 5;
  return (
    <table class="fn-stats" aria-label={`Functions, last ${window} minutes`}>
      <caption>Functions, last {window} minutes (from their REPORT lines)</caption>
      <thead>
        <tr>
          <th scope="col">Function</th>
          <th scope="col">Invocations</th>
          <th scope="col">Errors</th>
          <th scope="col">Throttles</th>
          <th scope="col">p50</th>
          <th scope="col">p99</th>
        </tr>
      </thead>
      <tbody>
        {functions.map((f) => (
          <tr key={f.key} data-fn={f.key}>
            <th scope="row">{f.key}</th>
            <td class="num" data-stat="invocations">
              {f.invocations}
            </td>
            <td class={f.errors > 0 ? 'num alarm-text' : 'num'} data-stat="errors">
              {f.errors}
            </td>
            <td class="num" data-stat="throttles" title={f.throttlesNote}>
              {f.throttles ?? '—'}
            </td>
            <td class="num" data-stat="p50">
              {ms(f.p50Ms)} ms
            </td>
            <td class="num" data-stat="p99">
              {ms(f.p99Ms)} ms
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function QueueBox({ q, x, y, dlq }: { q?: QueueInfo; x: number; y: number; dlq?: boolean }) {
  const total = q ? q.visible + q.inFlight + q.delayed : 0;
  const cls = `node queue${dlq ? ' dlq' : ''}${dlq && total > 0 ? ' alarm' : ''}`;
  return (
    <g class={cls} data-queue={q?.id}>
      <rect x={x} y={y} width={BOX_W} height={QUEUE_H} rx={6} />
      <text x={x + 8} y={y + 18} class="title">
        {q ? q.id : '…'}
      </text>
      <text x={x + 8} y={y + 40}>
        <tspan class="num" data-count="visible">
          {q?.visible ?? '–'}
        </tspan>{' '}
        visible
      </text>
      <text x={x + 8} y={y + 58}>
        <tspan class="num" data-count="inFlight">
          {q?.inFlight ?? '–'}
        </tspan>{' '}
        in flight
      </text>
      <text x={x + 8} y={y + 76}>
        <tspan class="num" data-count="delayed">
          {q?.delayed ?? '–'}
        </tspan>{' '}
        delayed
      </text>
      <text x={x + 8} y={y + 96}>
        {q?.oldestAgeSeconds === undefined ? (
          <tspan class="num" data-count="oldest">
            <title>{OLDEST_AGE_NOTE}</title>—
          </tspan>
        ) : (
          <tspan class="num" data-count="oldest">
            {age(q.oldestAgeSeconds)}
          </tspan>
        )}{' '}
        oldest
      </text>
    </g>
  );
}

/** The pipeline drawn as it runs, each queue and DLQ annotated with its counts. */
function Diagram({ queues, functions }: { queues: QueueInfo[]; functions: FunctionStats[] }) {
  const byId = new Map(queues.map((q) => [q.id, q]));
  return (
    <svg
      class="diagram"
      viewBox="0 0 1000 310"
      role="img"
      aria-label="Pipeline: schedule, requestor, request queue, generator, response queue, requestor, ack queue, generator; each queue with its dead-letter queue"
    >
      <defs>
        <marker
          id="arrow"
          viewBox="0 0 10 10"
          refX="9"
          refY="5"
          markerWidth="7"
          markerHeight="7"
          orient="auto"
        >
          <path d="M0,0 L10,5 L0,10 z" class="arrowhead" />
        </marker>
      </defs>
      {FLOW.slice(1).map((_, i) => (
        <line
          key={`a${i}`}
          x1={X(i) + BOX_W}
          y1={FLOW_Y + 46}
          x2={X(i + 1) - 2}
          y2={FLOW_Y + 46}
          class="edge"
          marker-end="url(#arrow)"
        />
      ))}
      {FLOW.map((node, i) => {
        const x = X(i);
        if (node.kind === 'queue') {
          return (
            <g key={node.id}>
              <QueueBox q={byId.get(node.id as QueueInfo['id'])} x={x} y={FLOW_Y} />
              <line
                x1={x + BOX_W / 2}
                y1={FLOW_Y + QUEUE_H}
                x2={x + BOX_W / 2}
                y2={DLQ_Y - 2}
                class="edge dead"
                marker-end="url(#arrow)"
              />
              <text x={x + BOX_W / 2 + 6} y={(FLOW_Y + QUEUE_H + DLQ_Y) / 2 + 4} class="small">
                after {byId.get(node.id as QueueInfo['id'])?.redrivePolicy?.maxReceiveCount ?? '?'}{' '}
                receives
              </text>
              <QueueBox q={byId.get(`${node.id}-dlq` as QueueInfo['id'])} x={x} y={DLQ_Y} dlq />
            </g>
          );
        }
        const scheduleDlq = node.kind === 'schedule' ? byId.get('schedule-dlq') : undefined;
        return (
          <g key={`n${i}`} class={`node ${node.kind}`}>
            {scheduleDlq && (
              <>
                <line
                  x1={x + BOX_W / 2}
                  y1={FLOW_Y + 70}
                  x2={x + BOX_W / 2}
                  y2={DLQ_Y - 2}
                  class="edge dead"
                  marker-end="url(#arrow)"
                />
                <text x={x + BOX_W / 2 + 6} y={(FLOW_Y + QUEUE_H + DLQ_Y) / 2 + 4} class="small">
                  failed invokes
                </text>
                <QueueBox q={scheduleDlq} x={x} y={DLQ_Y} dlq />
              </>
            )}
            <rect
              x={x}
              y={FLOW_Y + 22}
              width={BOX_W}
              height={48}
              rx={node.kind === 'fn' ? 24 : 4}
            />
            <text x={x + BOX_W / 2} y={FLOW_Y + 51} text-anchor="middle" class="title">
              {node.label}
            </text>
            {node.kind === 'fn' && (
              <FunctionFigures fn={functions.find((f) => f.key === node.label)} x={x} />
            )}
          </g>
        );
      })}
    </svg>
  );
}

/** Round trips per second over the last samples, as an inline SVG line. */
function RateChart({ series }: { series: Overview['roundTripsPerSecond'] }) {
  const w = 480;
  const h = 120;
  const peak = Math.max(0, ...series.map((s) => s.value));
  const max = Math.max(1, peak);
  const points = series
    .map((s, i) => `${(i / Math.max(1, series.length - 1)) * w},${h - (s.value / max) * (h - 10)}`)
    .join(' ');
  const last = series[series.length - 1]?.value ?? 0;
  return (
    <figure class="chart">
      <figcaption>
        Round trips per second: <strong data-testid="rate">{last}</strong> now, peak{' '}
        {max === 1 && last < 1 ? 0 : max}
      </figcaption>
      <svg
        viewBox={`0 0 ${w} ${h}`}
        preserveAspectRatio="none"
        role="img"
        aria-label={`Round trips per second, now ${last}`}
      >
        <line x1={0} y1={h - 0.5} x2={w} y2={h - 0.5} class="axis" />
        {series.length > 1 && <polyline points={points} class="rate" />}
      </svg>
    </figure>
  );
}

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
        Table counts from {time(data?.stages.countedAt)}. {data?.notes.join(' ')}
      </p>
    </section>
  );
}
