/** How the overview writes durations: short enough to fit a box of the diagram. */

/** A duration in seconds as the diagram shows it. */
export const age = (s: number) =>
  s < 120 ? `${s} s` : s < 7200 ? `${Math.floor(s / 60)} min` : `${Math.floor(s / 3600)} h`;

/** Milliseconds, with a tenth under ten. */
export const ms = (v?: number) =>
  v === undefined ? '–' : v < 10 ? v.toFixed(1) : String(Math.round(v));
