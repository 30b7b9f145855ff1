/** A function's invocations, errors and latency, drawn under its node of the pipeline diagram. */
import type { FunctionStats } from '../../api';
import { ms } from './format';

/** A function's figures in its node of the diagram, centred on `cx`, from `y` down. */
export function FunctionFigures({ fn, cx, y }: { fn?: FunctionStats; cx: number; y: number }) {
  if (!fn) return null;
  return (
    <g class="figures" data-fn-figures={fn.key}>
      <title>{`${fn.key}, last ${fn.windowMinutes} minutes, from REPORT lines. ${fn.throttlesNote}`}</title>
      <text x={cx} y={y} text-anchor="middle" class="small">
        {fn.invocations} invocations
      </text>
      <text
        x={cx}
        y={y + 14}
        text-anchor="middle"
        class={fn.errors > 0 ? 'small alarm-text' : 'small'}
      >
        {fn.errors} error{fn.errors === 1 ? '' : 's'}, {fn.throttles ?? '—'} throttled
      </text>
      <text x={cx} y={y + 28} text-anchor="middle" class="small">
        p50 {ms(fn.p50Ms)} · p99 {ms(fn.p99Ms)} ms
      </text>
    </g>
  );
}
