/** The overview's chart of round trips per second. */
import type { Overview } from '../../api';

/** Round trips per second over the last samples, as an inline SVG line. */
export function RateChart({ series }: { series: Overview['roundTripsPerSecond'] }) {
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
