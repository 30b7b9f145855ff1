/**
 * Counts every AWS API call that reaches the emulators, by `Service.Action`, and the DynamoDB
 * request units they consume, so benchmarks can price a run the way AWS would bill it.
 */
export class ApiMeter {
  calls: Record<string, number> = {};
  writeRequestUnits = 0;
  readRequestUnits = 0;

  count(service: string, action: string): void {
    const key = `${service}.${action}`;
    this.calls[key] = (this.calls[key] ?? 0) + 1;
  }

  reset(): void {
    this.calls = {};
    this.writeRequestUnits = 0;
    this.readRequestUnits = 0;
  }
}
