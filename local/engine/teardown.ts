/**
 * What a start-up has to undo: each phase registers how to stop what it started, and a stop (or a
 * start that fails half-way) runs them in reverse, so nothing that started is left running.
 */
export class Teardown {
  private readonly steps: (() => Promise<void>)[] = [];

  /** Runs `stop` before everything registered earlier. */
  add(stop: () => Promise<void> | void): void {
    this.steps.push(async () => stop());
  }

  /** Runs `stop` last of all, whatever is registered later. */
  addFinal(stop: () => Promise<void> | void): void {
    this.steps.unshift(async () => stop());
  }

  /** Runs every step once, newest first. */
  async run(): Promise<void> {
    for (const stop of this.steps.splice(0).reverse()) await stop();
  }
}
