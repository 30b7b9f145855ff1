/** A function's invocations, errors and latency, drawn under its node of the pipeline diagram. */
import type { FunctionStats } from '../../api';
import { ms } from './format';
import { BOX_W, FLOW_Y } from './layout';

/** A function's figures under its node in the diagram. */
export function FunctionFigures({ fn, x }: { fn?: FunctionStats; x: number }) {
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
