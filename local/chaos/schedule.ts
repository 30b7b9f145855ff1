/**
 * The chaos driver's schedule: rounds in which every kind is injected once, in an order drawn from
 * the seed, after a wait drawn around the mean interval, at targets drawn before each injection
 * acts. Every draw comes from one generator in a fixed order, so a seed replays the same schedule
 * as far as timing allows.
 */
import type { ChaosKind } from './chaos';
import { type ChaosContext, INJECTIONS } from './injections';

/** What the schedule draws from, and how it hears of a stop. */
export interface Schedule {
  readonly random: () => number;
  readonly kinds: readonly ChaosKind[];
  /** Mean time between two injections, in ms. */
  readonly intervalMs: number;
  /** Functions (names) to crash and pause. */
  readonly functions: readonly string[];
  /** True once the driver is stopped: the schedule ends after its current wait. */
  stopped(): boolean;
  /** Called after each injection that hit something. */
  injected(kind: ChaosKind): void;
}

/** Injects round after round until the driver is stopped; an injection that throws is a miss. */
export async function runSchedule(ctx: ChaosContext, schedule: Schedule): Promise<void> {
  while (!schedule.stopped()) {
    for (const kind of shuffledRound(schedule)) {
      await ctx.sleeps.sleep(schedule.intervalMs * (0.5 + schedule.random()));
      if (schedule.stopped()) return;
      await inject(ctx, schedule, kind).catch((error: unknown) => {
        ctx.report.missed += 1;
        ctx.log(`chaos: ${kind} failed: ${error instanceof Error ? error.message : String(error)}`);
      });
    }
    ctx.report.rounds += 1;
  }
}

/** One round: every kind once, in an order drawn from the seed (Fisher-Yates). */
function shuffledRound({ kinds, random }: Schedule): ChaosKind[] {
  const round = [...kinds];
  for (let i = round.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [round[i], round[j]] = [round[j] as ChaosKind, round[i] as ChaosKind];
  }
  return round;
}

async function inject(ctx: ChaosContext, schedule: Schedule, kind: ChaosKind): Promise<void> {
  // Targets are drawn before acting, so the draws (and the schedule) do not depend on timing.
  const fn = pick(schedule.functions, schedule.random) ?? '';
  const firstQueue = Math.floor(schedule.random() * ctx.duplicateQueues.length);
  if (await INJECTIONS[kind](ctx, { fn, firstQueue })) schedule.injected(kind);
}

/** An item drawn from `items`; one draw even when there is none. */
function pick<T>(items: readonly T[], random: () => number): T | undefined {
  return items[Math.floor(random() * items.length) % Math.max(1, items.length)];
}
