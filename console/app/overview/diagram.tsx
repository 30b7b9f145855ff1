/**
 * The pipeline diagram: each function once, and between them the three queues as the stack wires
 * them, each with its dead-letter queue; the schedule and the requestor's failed invocations on
 * the left. Every queue shows its counts, every function its figures.
 */
import type { ComponentChildren } from 'preact';
import type { FunctionStats, QueueInfo } from '../../api';
import { FunctionFigures } from './function-figures';
import {
  BOX_W,
  boxMid,
  boxTop,
  FAR_X,
  FN_H,
  FN_TOP,
  FN_W,
  GENERATOR_X,
  HEIGHT,
  laneTop,
  NEAR_X,
  QUEUE_H,
  REQUESTOR_X,
  SIDE_X,
  WIDTH,
} from './layout';
import { QueueBox } from './queue-box';

/** A queue's lane: who sends to it, and so on which side it sits. */
const LANES = [
  { id: 'request', from: 'requestor' },
  { id: 'response', from: 'generator' },
  { id: 'ack', from: 'requestor' },
] as const;

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
      viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
      role="img"
      aria-label="Pipeline: the schedule invokes the requestor; the requestor sends requests to the generator, the generator responses to the requestor, the requestor acks to the generator; each queue with its dead-letter queue"
    >
      <ArrowMarker />
      <Side queue={queue} />
      <FunctionNode x={REQUESTOR_X} name="requestor" functions={functions} />
      <FunctionNode x={GENERATOR_X} name="generator" functions={functions} />
      {LANES.map((lane, i) => (
        <Lane
          key={lane.id}
          lane={i}
          rightward={lane.from === 'requestor'}
          queue={queue(lane.id)}
          dlq={queue(`${lane.id}-dlq`)}
        />
      ))}
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

/** An edge through `points`, ending in an arrowhead; dashed for dead letters. */
function Edge(props: { points: [number, number][]; dead?: boolean }) {
  const d = props.points.map(([x, y], i) => `${i === 0 ? 'M' : 'L'}${x},${y}`).join(' ');
  return <path d={d} class={props.dead ? 'edge dead' : 'edge'} marker-end="url(#arrow)" />;
}

/** A note under a box: why messages go there. */
function Note({ x, y, children }: { x: number; y: number; children: ComponentChildren }) {
  return (
    <text x={x + BOX_W / 2} y={y} text-anchor="middle" class="small">
      {children}
    </text>
  );
}

/**
 * A queue's lane: the producer's arrow into the queue, the queue's arrow along the top of the
 * lane to its consumer, and its DLQ beside it (on the consumer's side, out of the way).
 */
function Lane(props: { lane: number; rightward: boolean; queue?: QueueInfo; dlq?: QueueInfo }) {
  const { lane, rightward, queue, dlq } = props;
  const [queueX, dlqX] = rightward ? [NEAR_X, FAR_X] : [FAR_X, NEAR_X];
  const [producerEdge, consumerEdge] = rightward
    ? [REQUESTOR_X + FN_W, GENERATOR_X]
    : [GENERATOR_X, REQUESTOR_X + FN_W];
  const queueEdge = rightward ? queueX : queueX + BOX_W;
  const towards = (x: number) => (rightward ? x - 2 : x + 2);
  const top = laneTop(lane) + 4;
  const mid = boxMid(lane);
  return (
    <g data-lane={queue?.id}>
      <Edge
        points={[
          [producerEdge, mid],
          [towards(queueEdge), mid],
        ]}
      />
      <Edge
        points={[
          [queueX + BOX_W / 2, boxTop(lane)],
          [queueX + BOX_W / 2, top],
          [towards(consumerEdge), top],
        ]}
      />
      <QueueBox q={queue} x={queueX} y={boxTop(lane)} />
      <Edge
        dead
        points={[
          [rightward ? queueX + BOX_W : queueX, mid],
          [towards(rightward ? dlqX : dlqX + BOX_W), mid],
        ]}
      />
      <QueueBox q={dlq} x={dlqX} y={boxTop(lane)} dlq />
      <Note x={dlqX} y={boxTop(lane) + QUEUE_H + 12}>
        after {queue?.redrivePolicy?.maxReceiveCount ?? '?'} receives, or rejected
      </Note>
    </g>
  );
}

/** The schedule with its DLQ, and the requestor's failed invocations, left of the requestor. */
function Side({ queue }: { queue: (id: string) => QueueInfo | undefined }) {
  const scheduleY = boxMid(0) - 24;
  return (
    <g>
      <g class="node schedule">
        <rect x={SIDE_X} y={scheduleY} width={BOX_W} height={48} rx={4} />
        <text x={SIDE_X + BOX_W / 2} y={scheduleY + 29} text-anchor="middle" class="title">
          Schedule
        </text>
      </g>
      <Edge
        points={[
          [SIDE_X + BOX_W, boxMid(0)],
          [REQUESTOR_X - 2, boxMid(0)],
        ]}
      />
      <Edge
        dead
        points={[
          [SIDE_X + BOX_W / 2, scheduleY + 48],
          [SIDE_X + BOX_W / 2, boxTop(1) - 2],
        ]}
      />
      <QueueBox q={queue('schedule-dlq')} x={SIDE_X} y={boxTop(1)} dlq />
      <Note x={SIDE_X} y={boxTop(1) + QUEUE_H + 12}>
        ticks not delivered
      </Note>
      <Edge
        dead
        points={[
          [REQUESTOR_X, boxMid(2)],
          [SIDE_X + BOX_W + 2, boxMid(2)],
        ]}
      />
      <QueueBox q={queue('requestor-failures')} x={SIDE_X} y={boxTop(2)} dlq />
      <Note x={SIDE_X} y={boxTop(2) + QUEUE_H + 12}>
        async invokes that failed
      </Note>
    </g>
  );
}

/** A function, drawn once, with its figures. */
function FunctionNode(props: { x: number; name: string; functions: FunctionStats[] }) {
  const { x, name, functions } = props;
  const y = FN_TOP + FN_H / 2 - 40;
  return (
    <g class="node fn" data-fn-node={name}>
      <rect x={x} y={FN_TOP} width={FN_W} height={FN_H} rx={24} />
      <text x={x + FN_W / 2} y={y} text-anchor="middle" class="title">
        {name}
      </text>
      <FunctionFigures fn={functions.find((f) => f.key === name)} cx={x + FN_W / 2} y={y + 24} />
    </g>
  );
}
