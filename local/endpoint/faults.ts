// Fault injection at the endpoint: a seeded fraction of calls answered with the error the real
// service sends when it sheds load (throttling) or fails inside (5xx). Every shape is one the
// AWS SDK v3 classifies as retryable, so clients retry them exactly as they would on AWS.

import type { Call } from './call';
import { sendJsonError, sendRestError, sendXmlError } from './protocol';

/** The services whose calls can be answered with a fault. */
export type FaultService = 'sqs' | 'dynamodb' | 'lambda';
/** `throttle`: the service sheds load (400/403/429); `server`: it fails inside (500/503). */
export type FaultKind = 'throttle' | 'server';

export const FAULT_SERVICES: readonly FaultService[] = ['sqs', 'dynamodb', 'lambda'];
export const FAULT_KINDS: readonly FaultKind[] = ['throttle', 'server'];

/** One rule: answer `rate` of a service's calls (or of one action's) with a fault of `kind`. */
export interface FaultRule {
  readonly service: FaultService;
  /** The API operation (`SendMessageBatch`, `PutItem`, `Invoke`). @default every action */
  readonly action?: string;
  /** Fraction of matching calls, 0 to 1. */
  readonly rate: number;
  readonly kind: FaultKind;
}

/** What to inject: the rules, and the seed that makes the choice of calls repeatable. */
export interface FaultSpec {
  /** Seed of the generator that picks the calls (an unsigned 32-bit integer). */
  readonly seed: number;
  readonly rules: readonly FaultRule[];
}

/** A fault spec that cannot be used; the message names the problem. */
export class FaultSpecError extends Error {
  override readonly name = 'FaultSpecError';
}

/**
 * mulberry32: a small, fast 32-bit generator, plenty for picking calls. Returns numbers in [0, 1)
 * and the same sequence for the same seed.
 */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One error as a service answers it. */
interface FaultShape {
  readonly status: number;
  /** The JSON protocols' `__type`, or the REST `x-amzn-ErrorType`. */
  readonly type: string;
  /** What SDKs report as the error's name (SQS: the query-protocol code it sends in a header). */
  readonly name: string;
  readonly message: string;
  /** SQS's `x-amzn-query-error`: `Code;Sender` or `Code;Receiver`. */
  readonly queryError?: string;
}

/**
 * The errors each service sends, as its API reference and the SDKs' models name them. SQS's
 * `RequestThrottled` is modelled with HTTP 403 and the common `ThrottlingException` with 400;
 * DynamoDB throttles with 400; Lambda with 429. All are in the SDK's list of throttling errors or
 * carry a transient 5xx status.
 */
const SHAPES: Record<FaultService, Record<FaultKind, readonly FaultShape[]>> = {
  sqs: {
    throttle: [
      {
        status: 403,
        type: 'com.amazonaws.sqs#RequestThrottled',
        name: 'RequestThrottled',
        queryError: 'RequestThrottled;Sender',
        message: 'Request is throttled.',
      },
      {
        status: 400,
        type: 'com.amazon.coral.availability#ThrottlingException',
        name: 'ThrottlingException',
        queryError: 'ThrottlingException;Sender',
        message: 'Rate exceeded',
      },
    ],
    server: [
      {
        status: 500,
        type: 'com.amazon.coral.service#InternalFailure',
        name: 'InternalFailure',
        queryError: 'InternalFailure;Receiver',
        message:
          'The request processing has failed because of an unknown error, exception or failure.',
      },
      {
        status: 503,
        type: 'com.amazon.coral.service#ServiceUnavailableException',
        name: 'ServiceUnavailable',
        queryError: 'ServiceUnavailable;Receiver',
        message: 'The request has failed due to a temporary failure of the server.',
      },
    ],
  },
  dynamodb: {
    throttle: [
      {
        status: 400,
        type: 'com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException',
        name: 'ProvisionedThroughputExceededException',
        message:
          'The level of configured provisioned throughput for the table was exceeded. Consider increasing your provisioning level with the UpdateTable API.',
      },
      {
        status: 400,
        type: 'com.amazon.coral.availability#ThrottlingException',
        name: 'ThrottlingException',
        message: 'Rate of requests exceeds the allowed throughput.',
      },
    ],
    server: [
      {
        status: 500,
        type: 'com.amazonaws.dynamodb.v20120810#InternalServerError',
        name: 'InternalServerError',
        message: 'Internal server error',
      },
    ],
  },
  lambda: {
    throttle: [
      {
        status: 429,
        type: 'TooManyRequestsException',
        name: 'TooManyRequestsException',
        message: 'Rate Exceeded.',
      },
    ],
    server: [
      {
        status: 500,
        type: 'ServiceException',
        name: 'ServiceException',
        message: 'The AWS Lambda service encountered an internal error.',
      },
    ],
  },
};

/** The error names a fault of `kind` on `service` can carry, as SDK clients report them. */
export function faultErrorNames(service: FaultService, kind: FaultKind): string[] {
  return SHAPES[service][kind].map((shape) => shape.name);
}

/** Checks a spec, so a typo fails at once instead of injecting nothing. */
export function validateFaultSpec(spec: FaultSpec): void {
  if (!Number.isInteger(spec.seed) || spec.seed < 0 || spec.seed > 0xffffffff) {
    throw new FaultSpecError(`seed must be an integer from 0 to 4294967295, got ${spec.seed}`);
  }
  const totals = new Map<string, number>();
  for (const rule of spec.rules) {
    const where = `${rule.service}${rule.action ? `.${rule.action}` : ''}`;
    if (!FAULT_SERVICES.includes(rule.service)) {
      throw new FaultSpecError(
        `faults can be injected into ${FAULT_SERVICES.join(', ')}, not ${rule.service}`,
      );
    }
    if (!FAULT_KINDS.includes(rule.kind)) {
      throw new FaultSpecError(
        `fault kind must be ${FAULT_KINDS.join(' or ')}, got ${rule.kind} for ${where}`,
      );
    }
    if (!(rule.rate >= 0 && rule.rate <= 1)) {
      throw new FaultSpecError(`fault rate must be from 0 to 1, got ${rule.rate} for ${where}`);
    }
    if (rule.action !== undefined && !/^[A-Za-z]+$/.test(rule.action)) {
      throw new FaultSpecError(`${JSON.stringify(rule.action)} is not an API action name`);
    }
    const key = `${where}:${rule.kind}`;
    if (totals.has(key)) throw new FaultSpecError(`two rules for ${rule.kind} on ${where}`);
    totals.set(key, rule.rate);
  }
}

/**
 * Parses the command-line form: comma-separated `SERVICE[.ACTION]:RATE[:KIND]`, e.g.
 * `sqs:0.02,dynamodb.PutItem:0.05:server`; the kind defaults to `throttle`.
 *
 * @throws FaultSpecError naming the part it cannot read
 */
export function parseFaultRules(text: string): FaultRule[] {
  const rules = text
    .split(',')
    .filter((part) => part.trim() !== '')
    .map((part): FaultRule => {
      const [target = '', rateText = '', kind = 'throttle', ...extra] = part.trim().split(':');
      const [service = '', action, ...more] = target.split('.');
      const rate = /^(?:0|1|0?\.[0-9]+|[01]\.[0-9]*)$/.test(rateText)
        ? Number(rateText)
        : Number.NaN;
      if (extra.length > 0 || more.length > 0 || Number.isNaN(rate)) {
        throw new FaultSpecError(
          `cannot read fault ${JSON.stringify(part)}: write SERVICE[.ACTION]:RATE[:throttle|server], e.g. sqs:0.02 or dynamodb.PutItem:0.05:server`,
        );
      }
      return {
        service: service.toLowerCase() as FaultService,
        ...(action ? { action } : {}),
        rate,
        kind: kind as FaultKind,
      };
    });
  validateFaultSpec({ seed: 0, rules });
  return rules;
}

/** Faults injected so far, by `service.Action.kind` (`sqs.SendMessageBatch.throttle`). */
export type FaultCounts = Record<string, number>;

/**
 * Decides, call by call, whether the endpoint answers with a fault instead of the service, and
 * writes that fault. The calls picked depend only on the seed and the order calls arrive in.
 *
 * For each call, the rules for its service apply kind by kind, a rule naming the call's action
 * taking the place of the service-wide rule of the same kind; one draw from the generator then
 * picks at most one fault, each kind with its rule's rate.
 */
export class FaultInjector {
  private spec: FaultSpec | undefined;
  private random: () => number = Math.random;
  private counts: FaultCounts = {};

  constructor(spec?: FaultSpec) {
    this.set(spec);
  }

  /** Replaces the rules (undefined: none) and restarts the generator from the spec's seed. */
  set(spec: FaultSpec | undefined): void {
    if (spec) validateFaultSpec(spec);
    this.spec = spec && spec.rules.length > 0 ? spec : undefined;
    if (spec) this.random = seededRandom(spec.seed);
  }

  /** Faults injected since the start (or the last {@link resetCounts}). */
  injected(): FaultCounts {
    return { ...this.counts };
  }

  resetCounts(): void {
    this.counts = {};
  }

  /** Answers `call` with a fault if the rules pick it; returns whether it did. */
  inject(call: Call): boolean {
    const pick = this.decide(call.service, call.action);
    if (!pick) return false;
    const { shape, kind } = pick;
    const key = `${call.service}.${call.action}.${kind}`;
    this.counts[key] = (this.counts[key] ?? 0) + 1;
    const message = `${shape.message} (injected by the local cloud)`;
    if (call.protocol === 'rest') {
      sendRestError(call.res, shape.status, shape.type, message);
    } else if (call.protocol === 'query') {
      sendXmlError(call.res, shape.status, shape.name, message);
    } else {
      sendJsonError(call.res, shape.status, shape.type, message, {
        contentType: 'application/x-amz-json-1.0',
        ...(shape.queryError ? { queryError: shape.queryError } : {}),
      });
    }
    return true;
  }

  /** The fault for a call of `service`'s `action`, if the draw picks one. */
  decide(service: string, action: string): { kind: FaultKind; shape: FaultShape } | undefined {
    const spec = this.spec;
    if (!spec || !FAULT_SERVICES.includes(service as FaultService)) return undefined;
    let draw: number | undefined;
    let threshold = 0;
    for (const kind of FAULT_KINDS) {
      let rule: FaultRule | undefined;
      for (const candidate of spec.rules) {
        if (candidate.service !== service || candidate.kind !== kind) continue;
        if (candidate.action === action) {
          rule = candidate;
          break;
        }
        if (candidate.action === undefined) rule = candidate;
      }
      if (!rule || rule.rate === 0) continue;
      draw ??= this.random();
      threshold += rule.rate;
      if (draw < threshold) {
        const shapes = SHAPES[service as FaultService][kind];
        const shape =
          shapes.length === 1
            ? shapes[0]
            : shapes[Math.floor(this.random() * shapes.length) % shapes.length];
        return shape ? { kind, shape } : undefined;
      }
    }
    return undefined;
  }
}
