/**
 * The pipeline diagram: the flow as the stack wires it, left to right, each queue with its
 * dead-letter queue underneath and each function with its figures.
 */
import type { ComponentChildren } from 'preact';
import type { FunctionStats, QueueInfo } from '../../api';
import { FunctionFigures } from './function-figures';
import { BOX_W, DLQ_Y, FLOW_Y, QUEUE_H, X } from './layout';
import { QueueBox } from './queue-box';

/** A node of the flow that is not a queue: the schedule or a function. */
type Step = { kind: 'fn' | 'schedule'; label: string };

/** The flow, left to right, as the stack wires it. */
const FLOW: (Step | { kind: 'queue'; id: string })[] = [
  { kind: 'schedule', label: 'Schedule' },
  { kind: 'fn', label: 'requestor' },
  { kind: 'queue', id: 'request' },
  { kind: 'fn', label: 'generator' },
  { kind: 'queue', id: 'response' },
  { kind: 'fn', label: 'requestor' },
  { kind: 'queue', id: 'ack' },
  { kind: 'fn', label: 'generator' },
];

/** The pipeline drawn as it runs, each queue and DLQ annotated with its counts. */
export function Diagram({
  queues,
  functions,
}: {
  queues: QueueInfo[];
  functions: FunctionStats[];
}) {
  const byId = new Map(queues.map((q) => [q.id, q]));
  const queue = (id: string) => byId.get(id as QueueInfo['id']);
  return (
    <svg
      class="diagram"
      viewBox="0 0 1000 310"
      role="img"
      aria-label="Pipeline: schedule, requestor, request queue, generator, response queue, requestor, ack queue, generator; each queue with its dead-letter queue"
    >
      <ArrowMarker />
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
      {FLOW.map((node, i) =>
        node.kind === 'queue' ? (
          <QueueColumn
            key={node.id}
            x={X(i)}
            queue={queue(node.id)}
            dlq={queue(`${node.id}-dlq`)}
          />
        ) : (
          <StepNode
            key={`n${i}`}
            x={X(i)}
            step={node}
            dlq={node.kind === 'schedule' ? queue('schedule-dlq') : undefined}
            fn={node.kind === 'fn' ? functions.find((f) => f.key === node.label) : undefined}
          />
        ),
      )}
    </svg>
  );
}

/** The arrowhead every edge of the diagram ends in. */
function ArrowMarker() {
  return (
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
  );
}

/** The edge down from a node at `x` to its dead-letter queue, labelled with why messages go. */
function DeadEdge({ x, y1, children }: { x: number; y1: number; children: ComponentChildren }) {
  return (
    <>
      <line
        x1={x + BOX_W / 2}
        y1={y1}
        x2={x + BOX_W / 2}
        y2={DLQ_Y - 2}
        class="edge dead"
        marker-end="url(#arrow)"
      />
      <text x={x + BOX_W / 2 + 6} y={(FLOW_Y + QUEUE_H + DLQ_Y) / 2 + 4} class="small">
        {children}
      </text>
    </>
  );
}

/** A queue of the flow with its dead-letter queue under it. */
function QueueColumn({ x, queue, dlq }: { x: number; queue?: QueueInfo; dlq?: QueueInfo }) {
  return (
    <g>
      <QueueBox q={queue} x={x} y={FLOW_Y} />
      <DeadEdge x={x} y1={FLOW_Y + QUEUE_H}>
        after {queue?.redrivePolicy?.maxReceiveCount ?? '?'} receives
      </DeadEdge>
      <QueueBox q={dlq} x={x} y={DLQ_Y} dlq />
    </g>
  );
}

/** The schedule, with the DLQ of its failed invokes, or a function with its figures. */
function StepNode(props: { x: number; step: Step; dlq?: QueueInfo; fn?: FunctionStats }) {
  const { x, step, dlq, fn } = props;
  return (
    <g class={`node ${step.kind}`}>
      {dlq && (
        <>
          <DeadEdge x={x} y1={FLOW_Y + 70}>
            failed invokes
          </DeadEdge>
          <QueueBox q={dlq} x={x} y={DLQ_Y} dlq />
        </>
      )}
      <rect x={x} y={FLOW_Y + 22} width={BOX_W} height={48} rx={step.kind === 'fn' ? 24 : 4} />
      <text x={x + BOX_W / 2} y={FLOW_Y + 51} text-anchor="middle" class="title">
        {step.label}
      </text>
      {step.kind === 'fn' && <FunctionFigures fn={fn} x={x} />}
    </g>
  );
}
