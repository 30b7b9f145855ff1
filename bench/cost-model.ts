/**
 * What a run of the pipeline would cost on AWS (us-east-1), from the calls and units the local
 * cloud counted, beside the least this design can cost and what a one-message-per-call design
 * costs. Pure functions, so the arithmetic is unit-tested apart from any run.
 */

/** Unit prices in dollars (us-east-1, from ../shared/AWS-FACTS.md). */
export interface Prices {
  /** Per SQS request (a batch of up to 10 messages of up to 64 KB is one request). */
  readonly sqsRequest: number;
  /** Per Lambda invocation. */
  readonly lambdaInvocation: number;
  /** Per GB-second of Lambda duration on arm64 (the template's architecture). */
  readonly lambdaGbSecond: number;
  /** Per DynamoDB on-demand write request unit (1 KB written). */
  readonly writeRequestUnit: number;
  /** Per DynamoDB on-demand read request unit. */
  readonly readRequestUnit: number;
}

/** us-east-1 list prices, per unit. */
export const US_EAST_1_PRICES: Prices = {
  sqsRequest: 0.4 / 1e6,
  lambdaInvocation: 0.2 / 1e6,
  lambdaGbSecond: 0.0000133334,
  writeRequestUnit: 0.625 / 1e6,
  readRequestUnit: 0.125 / 1e6,
};

/** Billable usage, over a whole run or per round trip. */
export interface Usage {
  /** SQS requests by action (`SendMessageBatch`, `ReceiveMessage`, ...); every action is billed. */
  readonly sqsRequests: Readonly<Record<string, number>>;
  readonly lambdaInvocations: number;
  /** Duration x memory, in GB-seconds. */
  readonly lambdaGbSeconds: number;
  readonly writeRequestUnits: number;
  readonly readRequestUnits: number;
}

/** A bill in dollars, by line. */
export interface Cost {
  readonly sqs: number;
  readonly lambdaInvocations: number;
  readonly lambdaCompute: number;
  readonly dynamoDbWrites: number;
  readonly dynamoDbReads: number;
  readonly total: number;
}

/** Lambda bills duration times configured memory, in GB (1 GB = 1024 MB). */
export function gbSeconds(durationMs: number, memoryMb: number): number {
  return (durationMs / 1000) * (memoryMb / 1024);
}

/** Total SQS requests of a usage, all actions together. */
export function sqsRequestCount(usage: Usage): number {
  return Object.values(usage.sqsRequests).reduce((sum, n) => sum + n, 0);
}

/** Prices a usage. */
export function priceUsage(usage: Usage, prices: Prices = US_EAST_1_PRICES): Cost {
  const lines = {
    sqs: sqsRequestCount(usage) * prices.sqsRequest,
    lambdaInvocations: usage.lambdaInvocations * prices.lambdaInvocation,
    lambdaCompute: usage.lambdaGbSeconds * prices.lambdaGbSecond,
    dynamoDbWrites: usage.writeRequestUnits * prices.writeRequestUnit,
    dynamoDbReads: usage.readRequestUnits * prices.readRequestUnit,
  };
  return { ...lines, total: Object.values(lines).reduce((sum, n) => sum + n, 0) };
}

/** Multiplies every count of a usage by `factor`. */
export function scaleUsage(usage: Usage, factor: number): Usage {
  return {
    sqsRequests: Object.fromEntries(
      Object.entries(usage.sqsRequests).map(([action, n]) => [action, n * factor]),
    ),
    lambdaInvocations: usage.lambdaInvocations * factor,
    lambdaGbSeconds: usage.lambdaGbSeconds * factor,
    writeRequestUnits: usage.writeRequestUnits * factor,
    readRequestUnits: usage.readRequestUnits * factor,
  };
}

/** The usage of one round trip, from the usage of `roundTrips` of them. */
export function perRoundTrip(usage: Usage, roundTrips: number): Usage {
  if (!(roundTrips > 0)) throw new RangeError(`roundTrips must be positive, got ${roundTrips}`);
  return scaleUsage(usage, 1 / roundTrips);
}

/** Dollars per million round trips, from the usage of `roundTrips` of them. */
export function costPerMillionRoundTrips(
  usage: Usage,
  roundTrips: number,
  prices: Prices = US_EAST_1_PRICES,
): Cost {
  return priceUsage(scaleUsage(perRoundTrip(usage, roundTrips), 1e6), prices);
}

/** The counters the local cloud keeps (`LocalCloud.metrics()`), as far as billing needs them. */
export interface CountedMetrics {
  /** API calls by `Service.Action`. */
  readonly calls: Readonly<Record<string, number>>;
  readonly writeRequestUnits: number;
  readonly readRequestUnits: number;
  readonly lambda: Readonly<
    Record<string, { readonly invocations: number; readonly totalDurationMs: number }>
  >;
}

/**
 * Billable usage from the local cloud's counters: every SQS call (ESM polling included, since
 * AWS bills it to the account), every invocation, and duration times each function's memory.
 * `memoryMb` maps function name to its configured memory (from the template).
 */
export function usageFromMetrics(
  metrics: CountedMetrics,
  memoryMb: Readonly<Record<string, number>>,
): Usage {
  const sqsRequests: Record<string, number> = {};
  for (const [key, n] of Object.entries(metrics.calls)) {
    if (key.startsWith('SQS.')) sqsRequests[key.slice('SQS.'.length)] = n;
  }
  let lambdaInvocations = 0;
  let lambdaGbSeconds = 0;
  for (const [name, fn] of Object.entries(metrics.lambda)) {
    const memory = memoryMb[name];
    if (memory === undefined) throw new Error(`no memory size known for function ${name}`);
    lambdaInvocations += fn.invocations;
    lambdaGbSeconds += gbSeconds(fn.totalDurationMs, memory);
  }
  return {
    sqsRequests,
    lambdaInvocations,
    lambdaGbSeconds,
    writeRequestUnits: metrics.writeRequestUnits,
    readRequestUnits: metrics.readRequestUnits,
  };
}

/** What shapes the reference designs' usage, per round trip. */
export interface DesignParams {
  /** Messages each round trip puts on a queue: request, response, ack. @default 3 */
  readonly messagesPerRoundTrip?: number;
  /** Messages per SQS batch call and per ESM invocation. @default 10 */
  readonly batchSize?: number;
  /**
   * Round trips each direct requestor invocation asks for (`{ count }`; the requestor accepts up
   * to 10,000). The schedule's default of 10 per tick would add 0.1 invocation per round trip.
   * @default 10000
   */
  readonly roundTripsPerRequestorInvoke?: number;
  /**
   * DynamoDB writes the record keeping needs, items under 1 KB: Requests at request and at store,
   * Strings at generation and at acknowledgement. @default 4
   */
  readonly writeUnitsPerRoundTrip?: number;
  /**
   * Lambda compute per round trip. Batching changes how many requests and invocations are billed,
   * not the work each message needs, so callers pass the measured figure to price every design
   * alike (and the gap then shows requests and units only).
   */
  readonly gbSecondsPerRoundTrip: number;
}

function resolved(params: DesignParams) {
  return {
    messages: params.messagesPerRoundTrip ?? 3,
    batch: params.batchSize ?? 10,
    perInvoke: params.roundTripsPerRequestorInvoke ?? 10_000,
    writes: params.writeUnitsPerRoundTrip ?? 4,
    compute: params.gbSecondsPerRoundTrip,
  };
}

/**
 * The least one round trip of this design can use: each of its messages sent, received and
 * deleted in full batches (one request per batch of 10), consumed in full batches (one invocation
 * per 10 messages: the generator's request batch, the requestor's response batch, the
 * generator's ack batch), one requestor invocation per `roundTripsPerRequestorInvoke` to start
 * them, the minimum writes and no reads.
 */
export function floorUsage(params: DesignParams): Usage {
  const p = resolved(params);
  const perAction = p.messages / p.batch;
  return {
    sqsRequests: {
      SendMessageBatch: perAction,
      ReceiveMessage: perAction,
      DeleteMessageBatch: perAction,
    },
    lambdaInvocations: p.messages / p.batch + 1 / p.perInvoke,
    lambdaGbSeconds: p.compute,
    writeRequestUnits: p.writes,
    readRequestUnits: 0,
  };
}

/**
 * One round trip of a naive design that handles one message per call: every send, receive and
 * delete is its own request, and every message its own invocation. The same writes as the floor.
 */
export function naiveUsage(params: DesignParams): Usage {
  const p = resolved(params);
  return {
    sqsRequests: { SendMessage: p.messages, ReceiveMessage: p.messages, DeleteMessage: p.messages },
    lambdaInvocations: p.messages + 1 / p.perInvoke,
    lambdaGbSeconds: p.compute,
    writeRequestUnits: p.writes,
    readRequestUnits: 0,
  };
}

/** `(value - reference) / reference`, as a percentage. */
export function gapPercent(value: number, reference: number): number {
  return ((value - reference) / reference) * 100;
}

/** One line of usage where a run exceeds (or undercuts) the floor, priced per million round trips. */
export interface GapItem {
  /** `SQS.ReceiveMessage`, `Lambda.Invocations`, `Lambda.Compute`, `DynamoDB.WRU`, `DynamoDB.RRU`. */
  readonly item: string;
  readonly measuredPerRoundTrip: number;
  readonly floorPerRoundTrip: number;
  /** Dollars per million round trips this line adds over the floor (negative when below). */
  readonly dollarsPerMillion: number;
  readonly reason: string;
}

const REASONS: Record<string, string> = {
  'SQS.ReceiveMessage':
    'ESM pollers: receives that come back empty or short (long polls on drained queues, top-ups while a batching window is open)',
  'SQS.SendMessageBatch': 'replies sent for partial batches (a handler answers the batch it got)',
  'SQS.DeleteMessageBatch': 'partial batches deleted by the ESM',
  'Lambda.Invocations': 'partial batches: more invocations than messages / 10',
  'DynamoDB.WRU': 'writes beyond the four the record keeping needs (duplicates, failed conditions)',
  'DynamoDB.RRU': 'reads after failed conditional writes',
  'Lambda.Compute': 'duration beyond the measured figure the references use',
};

/**
 * Where a run's usage per round trip differs from the floor's, priced, largest impact first.
 * Lines that match the floor are left out.
 */
export function explainGap(
  measured: Usage,
  floor: Usage,
  prices: Prices = US_EAST_1_PRICES,
): GapItem[] {
  const items: Omit<GapItem, 'dollarsPerMillion' | 'reason'>[] = [];
  const actions = new Set([
    ...Object.keys(measured.sqsRequests),
    ...Object.keys(floor.sqsRequests),
  ]);
  for (const action of actions) {
    items.push({
      item: `SQS.${action}`,
      measuredPerRoundTrip: measured.sqsRequests[action] ?? 0,
      floorPerRoundTrip: floor.sqsRequests[action] ?? 0,
    });
  }
  items.push(
    {
      item: 'Lambda.Invocations',
      measuredPerRoundTrip: measured.lambdaInvocations,
      floorPerRoundTrip: floor.lambdaInvocations,
    },
    {
      item: 'Lambda.Compute',
      measuredPerRoundTrip: measured.lambdaGbSeconds,
      floorPerRoundTrip: floor.lambdaGbSeconds,
    },
    {
      item: 'DynamoDB.WRU',
      measuredPerRoundTrip: measured.writeRequestUnits,
      floorPerRoundTrip: floor.writeRequestUnits,
    },
    {
      item: 'DynamoDB.RRU',
      measuredPerRoundTrip: measured.readRequestUnits,
      floorPerRoundTrip: floor.readRequestUnits,
    },
  );
  const unitPrice = (item: string): number => {
    if (item.startsWith('SQS.')) return prices.sqsRequest;
    if (item === 'Lambda.Invocations') return prices.lambdaInvocation;
    if (item === 'Lambda.Compute') return prices.lambdaGbSecond;
    if (item === 'DynamoDB.WRU') return prices.writeRequestUnit;
    return prices.readRequestUnit;
  };
  return items
    .filter((i) => i.measuredPerRoundTrip !== i.floorPerRoundTrip)
    .map((i) => ({
      ...i,
      dollarsPerMillion: (i.measuredPerRoundTrip - i.floorPerRoundTrip) * unitPrice(i.item) * 1e6,
      reason: REASONS[i.item] ?? 'calls the floor does not need',
    }))
    .sort((a, b) => Math.abs(b.dollarsPerMillion) - Math.abs(a.dollarsPerMillion));
}

/** What an idle pipeline's event source mappings do while no messages arrive. */
export interface IdlePolling {
  /** Event source mappings (queues with a Lambda consumer). */
  readonly mappings: number;
  /** Pollers per mapping while idle; Lambda keeps five for a standard queue. @default 5 */
  readonly pollersPerMapping?: number;
  /** Each empty long poll waits this long before the next one. @default 20 */
  readonly longPollSeconds?: number;
  /** @default 30 */
  readonly days?: number;
}

/**
 * SQS requests the mappings' pollers make on idle queues in a month: each poller repeats a 20 s
 * long poll that comes back empty. AWS bills them, traffic or not, so this is the design's
 * standing cost, not a per-round-trip one.
 */
export function idlePollingRequests(idle: IdlePolling): number {
  const pollers = idle.pollersPerMapping ?? 5;
  const seconds = (idle.days ?? 30) * 86_400;
  return (idle.mappings * pollers * seconds) / (idle.longPollSeconds ?? 20);
}
