/**
 * Starts what alarm notifications need on a local cloud: the KMS key store, SNS topics in fauxqs
 * and the alarms, which read each queue's figures from fauxqs's state (no API call, so watching
 * costs nothing and counts nothing).
 */
import type { MonitoringServices } from '../cloudformation/resources';
import { KeyStore } from '../kms/keys';
import { Topics } from '../sns/topics';
import type { SqsEmulator } from '../sqs/emulator';
import { LocalAlarms } from './alarms';

/** Options of {@link startMonitoring}. */
export interface MonitoringOptions {
  readonly region: string;
  readonly accountId: string;
  /** The endpoint queue URLs are on (`ENDPOINT/ACCOUNT/NAME`). */
  readonly endpointUrl: string;
  readonly sqs: SqsEmulator;
  /** Divides the alarms' periods. @default 1 */
  readonly timeScale?: number;
  /** A function's failed invocations so far (see `AlarmsOptions.functionErrors`). */
  readonly functionErrors?: (name: string) => number | undefined;
}

/** The services, and how to stop them. */
export interface RunningMonitoring extends MonitoringServices {
  stop(): Promise<void>;
}

export function startMonitoring(opts: MonitoringOptions): RunningMonitoring {
  const { region, accountId, endpointUrl, sqs } = opts;
  const keys = new KeyStore();
  const topics = new Topics(sqs.endpoint, region);
  const alarms = new LocalAlarms({
    region,
    accountId,
    keys,
    topics,
    timeScale: opts.timeScale,
    functionErrors: opts.functionErrors,
    async queue(name) {
      const url = `${endpointUrl}/${accountId}/${name}`;
      const depth = sqs.depth(url);
      if (!depth) return undefined;
      const oldest = sqs.oldestMessageAgeMs(url);
      return {
        name,
        visible: depth.visible,
        ...(oldest === undefined ? {} : { oldestAgeSeconds: Math.floor(oldest / 1000) }),
      };
    },
  });
  return {
    keys,
    topics,
    alarms,
    async stop() {
      await alarms.stop();
      topics.stop();
    },
  };
}
