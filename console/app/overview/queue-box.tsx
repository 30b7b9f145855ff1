/** A queue or dead-letter queue as a box of the pipeline diagram, with its counts. */
import type { QueueInfo } from '../../api';
import { OLDEST_AGE_NOTE } from '../../notes';
import { age } from './format';
import { BOX_W, QUEUE_H } from './layout';

/** A queue's box at (`x`, `y`); a dead-letter queue that holds messages is drawn as an alarm. */
export function QueueBox({ q, x, y, dlq }: { q?: QueueInfo; x: number; y: number; dlq?: boolean }) {
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
