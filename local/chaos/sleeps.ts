/**
 * The chaos driver's waits (between injections, and a paused consumer's pause), which a stop ends
 * early so that stopping does not wait them out.
 */

/** Waits that {@link Sleeps.endAll} cuts short. */
export class Sleeps {
  private readonly ends = new Set<() => void>();

  /** Waits `ms`, or less if {@link endAll} is called meanwhile. */
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const end = () => {
        clearTimeout(timer);
        this.ends.delete(end);
        resolve();
      };
      const timer = setTimeout(end, ms);
      this.ends.add(end);
    });
  }

  /** Ends every wait in progress; later waits run their full time. */
  endAll(): void {
    for (const end of [...this.ends]) end();
  }
}
