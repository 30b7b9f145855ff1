import { describe, expect, it } from 'vitest';
import {
  costPerMillionRoundTrips,
  explainGap,
  floorUsage,
  gapPercent,
  gbSeconds,
  idlePollingRequests,
  naiveUsage,
  priceUsage,
  US_EAST_1_PRICES,
  type Usage,
  usageFromMetrics,
} from '../../bench/cost-model';

const none: Usage = {
  sqsRequests: {},
  lambdaInvocations: 0,
  lambdaGbSeconds: 0,
  writeRequestUnits: 0,
  readRequestUnits: 0,
};

describe('the cost model', () => {
  it('prices a million of each unit at the us-east-1 list prices', () => {
    const cost = priceUsage({
      sqsRequests: { SendMessageBatch: 600_000, ReceiveMessage: 400_000 },
      lambdaInvocations: 1e6,
      lambdaGbSeconds: 1e6,
      writeRequestUnits: 1e6,
      readRequestUnits: 1e6,
    });
    expect(cost.sqs).toBeCloseTo(0.4, 9);
    expect(cost.lambdaInvocations).toBeCloseTo(0.2, 9);
    expect(cost.lambdaCompute).toBeCloseTo(13.3334, 9);
    expect(cost.dynamoDbWrites).toBeCloseTo(0.625, 9);
    expect(cost.dynamoDbReads).toBeCloseTo(0.125, 9);
    expect(cost.total).toBeCloseTo(0.4 + 0.2 + 13.3334 + 0.625 + 0.125, 9);
  });

  it('bills Lambda duration by configured memory in GB of 1024 MB', () => {
    expect(gbSeconds(1000, 1024)).toBe(1);
    expect(gbSeconds(200, 256)).toBeCloseTo(0.05, 12);
  });

  it('scales a run to a million round trips', () => {
    const run: Usage = { ...none, sqsRequests: { ReceiveMessage: 3 }, writeRequestUnits: 40 };
    const cost = costPerMillionRoundTrips(run, 10);
    // 0.3 requests and 4 WRU per round trip.
    expect(cost.sqs).toBeCloseTo(0.3 * 0.4, 9);
    expect(cost.dynamoDbWrites).toBeCloseTo(4 * 0.625, 9);
  });

  it('refuses to price a run without round trips', () => {
    expect(() => costPerMillionRoundTrips(none, 0)).toThrow(/roundTrips must be positive/);
  });

  it('counts every SQS call the local cloud saw, and nothing from other services, as SQS requests', () => {
    const usage = usageFromMetrics(
      {
        calls: {
          'SQS.ReceiveMessage': 12,
          'SQS.SendMessageBatch': 3,
          'DynamoDB.PutItem': 30,
          'Lambda.Invoke': 1,
        },
        writeRequestUnits: 30,
        readRequestUnits: 2,
        lambda: {
          requestor: { invocations: 2, totalDurationMs: 2000 },
          generator: { invocations: 4, totalDurationMs: 1000 },
        },
      },
      { requestor: 256, generator: 1024 },
    );
    expect(usage.sqsRequests).toEqual({ ReceiveMessage: 12, SendMessageBatch: 3 });
    expect(usage.lambdaInvocations).toBe(6);
    expect(usage.lambdaGbSeconds).toBeCloseTo(2 * 0.25 + 1 * 1, 12);
    expect(usage).toMatchObject({ writeRequestUnits: 30, readRequestUnits: 2 });
  });

  it('fails loudly when a function has no known memory size rather than pricing it at zero', () => {
    expect(() =>
      usageFromMetrics(
        { ...none, calls: {}, lambda: { ghost: { invocations: 1, totalDurationMs: 1 } } },
        {},
      ),
    ).toThrow(/ghost/);
  });

  describe('the floor of this design', () => {
    const floor = floorUsage({ gbSecondsPerRoundTrip: 0 });

    it('sends, receives and deletes three messages per round trip in full batches of 10', () => {
      expect(floor.sqsRequests).toEqual({
        SendMessageBatch: 0.3,
        ReceiveMessage: 0.3,
        DeleteMessageBatch: 0.3,
      });
    });

    it('invokes a function once per full batch, plus one requestor call per 10,000 round trips', () => {
      expect(floor.lambdaInvocations).toBeCloseTo(0.3 + 0.0001, 12);
    });

    it('writes four units and reads none', () => {
      expect(floor).toMatchObject({ writeRequestUnits: 4, readRequestUnits: 0 });
    });

    it('costs about $2.92 per million round trips before compute, mostly DynamoDB writes', () => {
      const cost = costPerMillionRoundTrips(floor, 1);
      expect(cost.sqs).toBeCloseTo(0.36, 9);
      expect(cost.lambdaInvocations).toBeCloseTo(0.06002, 9);
      expect(cost.dynamoDbWrites).toBeCloseTo(2.5, 9);
      expect(cost.total).toBeCloseTo(2.92002, 9);
    });

    it('charges a requestor invocation per scheduled tick when ticks ask for fewer strings', () => {
      const scheduled = floorUsage({ gbSecondsPerRoundTrip: 0, roundTripsPerRequestorInvoke: 10 });
      expect(scheduled.lambdaInvocations).toBeCloseTo(0.4, 12);
    });
  });

  describe('the naive design', () => {
    const params = { gbSecondsPerRoundTrip: 0.01 };

    it('pays one SQS request per message per action and one invocation per message', () => {
      const naive = naiveUsage(params);
      expect(naive.sqsRequests).toEqual({ SendMessage: 3, ReceiveMessage: 3, DeleteMessage: 3 });
      expect(naive.lambdaInvocations).toBeCloseTo(3.0001, 12);
    });

    it('needs the same writes and compute as the floor, so only requests set them apart', () => {
      const naive = priceUsage(naiveUsage(params));
      const floor = priceUsage(floorUsage(params));
      expect(naive.sqs).toBeCloseTo(floor.sqs * 10, 12);
      expect(naive.dynamoDbWrites).toBe(floor.dynamoDbWrites);
      expect(naive.lambdaCompute).toBe(floor.lambdaCompute);
    });
  });

  it('reports the gap to a reference as a percentage above it', () => {
    expect(gapPercent(110, 100)).toBeCloseTo(10, 12);
    expect(gapPercent(90, 100)).toBeCloseTo(-10, 12);
  });

  it('explains a gap line by line, largest dollar impact first, leaving out lines at the floor', () => {
    const floor = floorUsage({ gbSecondsPerRoundTrip: 0.001 });
    const measured: Usage = {
      ...floor,
      sqsRequests: { ...floor.sqsRequests, ReceiveMessage: 0.8 },
      lambdaInvocations: 0.5001,
      writeRequestUnits: 4.1,
    };
    const gap = explainGap(measured, floor);
    expect(gap.map((g) => g.item)).toEqual([
      'SQS.ReceiveMessage', // +0.5 x $0.40 = $0.20 per million
      'DynamoDB.WRU', // +0.1 x $0.625 = $0.0625
      'Lambda.Invocations', // +0.2 x $0.20 = $0.04
    ]);
    expect(gap[0]?.dollarsPerMillion).toBeCloseTo(0.2, 9);
    expect(gap[0]?.reason).toMatch(/poll/);
  });

  it('uses the prices it is given', () => {
    const doubled = {
      ...US_EAST_1_PRICES,
      writeRequestUnit: US_EAST_1_PRICES.writeRequestUnit * 2,
    };
    expect(priceUsage({ ...none, writeRequestUnits: 1e6 }, doubled).total).toBeCloseTo(1.25, 9);
  });

  it('puts idle polling at five 20-second long polls per mapping, about $0.78 a month for three queues', () => {
    const requests = idlePollingRequests({ mappings: 3 });
    expect(requests).toBe(1_944_000); // 3 x 5 x 3 a minute x 43,200 minutes
    expect(requests * US_EAST_1_PRICES.sqsRequest).toBeCloseTo(0.7776, 9);
  });
});
