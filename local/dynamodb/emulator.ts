/**
 * DynamoDB for the local cloud, the tests and the benchmarks: dynalite in-process, loaded so its
 * in-memory tables keep strings, metered per call, and stopped without closing LevelDB under a
 * request.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import type { ApiMeter } from '../engine/meter';
import { ensureWritableDir } from '../state/writable-dir';
import { cachingTableDescriptions, type LevelClass } from './table-cache';

/** A running dynalite on 127.0.0.1. */
export interface DynamoDbEmulator {
  readonly endpoint: string;
  /** Stops and starts dynalite on the same port, as a crash and restart would; on-disk data survives. */
  restart(): Promise<void>;
  /** Serves one request in-process, as if it had arrived on the emulator's port. */
  dispatch(req: IncomingMessage, res: ServerResponse): void;
  stop(): Promise<void>;
}

const WRITE_ACTIONS = new Set(['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem']);
const READ_ACTIONS = new Set(['GetItem', 'BatchGetItem', 'Query', 'Scan']);

/** Options of {@link startDynamoDb}. */
export interface DynamoDbEmulatorOptions {
  /** Counts every call by action, and the request units each consumes. @default not counted */
  readonly meter?: ApiMeter;
  /** dynalite's on-disk state, which survives a restart. @default in memory */
  readonly dataDir?: string;
}

/**
 * Starts dynalite in-process on 127.0.0.1 and a free port, creating and deleting tables at once.
 * The tests, the benchmarks and the local cloud all start it here.
 *
 * @throws UnusableDirectoryError naming `dataDir` if it cannot be used
 */
export async function startDynamoDb(
  options: DynamoDbEmulatorOptions = {},
): Promise<DynamoDbEmulator> {
  const { meter, dataDir } = options;
  // dynalite would hang on some bad paths (under /proc) and crash from LevelDB on others.
  if (dataDir) ensureWritableDir(dataDir, 'the DynamoDB data directory');
  let instance = await serveDynalite(meter, 0, dataDir);
  const port = instance.port;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    restart: async () => {
      await instance.close({ settle: true });
      instance = await serveDynalite(meter, port, dataDir);
    },
    dispatch: (req, res) => instance.server.emit('request', req, res),
    stop: () => instance.close(),
  };
}

type Dynalite = typeof import('dynalite').default;
let loaded: Dynalite | undefined;

/** The part of memory-level's MemoryLevel (dynalite's in-memory store) that stores entries. */
interface MemoryLevelClass {
  new (options?: object): MemoryLevelStore;
}
interface MemoryLevelStore {
  _put(key: unknown, value: unknown, options: unknown): Promise<void>;
  _batch(
    operations: readonly { type: string; key: unknown; value?: unknown }[],
    options: unknown,
  ): Promise<void>;
}

/**
 * A string made one flat run of characters, as far as V8 does it. dynalite builds keys by
 * concatenation, and V8 keeps a concatenation as a tree of its parts: stored as is, a key took
 * far more memory than its characters. Reading a character flattens it in place, and a
 * collection then drops the tree.
 */
function flat(data: unknown): unknown {
  if (typeof data === 'string') data.charCodeAt(0);
  return data;
}

/**
 * dynalite, loaded so that its in-memory tables keep each key and item as a flat string. dynalite
 * hands memory-level strings (its keys are ASCII: hex digests, hex-encoded key values and
 * sortable number strings; its items are JSON), which memory-level's default store encoding turns
 * into Buffers: two Buffers and two ArrayBuffers per item, each with a native backing store. As
 * strings the keys sort the same, since they are ASCII. dynalite takes memory-level's class when
 * it loads, so the class it finds then is one that stores strings, put back once it has loaded.
 * With `--data` the tables are LevelDB on disk instead, its table descriptions also kept in
 * memory (table-cache.ts).
 */
function loadDynalite(): Dynalite {
  if (loaded) return loaded;
  const require = createRequire(import.meta.url);
  // dynalite's own memory-level and level, wherever the package manager put them.
  const dynaliteRequire = createRequire(require.resolve('dynalite'));
  const memoryLevel = dynaliteRequire('memory-level') as {
    MemoryLevel: MemoryLevelClass;
  };
  const { MemoryLevel } = memoryLevel;
  memoryLevel.MemoryLevel = class StringMemoryLevel extends MemoryLevel {
    constructor(options?: object) {
      super({ ...options, storeEncoding: 'utf8' });
    }
    override _put(key: unknown, value: unknown, options: unknown): Promise<void> {
      return super._put(flat(key), flat(value), options);
    }
    override _batch(
      operations: readonly { type: string; key: unknown; value?: unknown }[],
      options: unknown,
    ): Promise<void> {
      for (const op of operations) {
        flat(op.key);
        flat(op.value);
      }
      return super._batch(operations, options);
    }
  };
  // Its LevelDB store (with --data, and npm start's tables) keeps table descriptions in memory.
  const level = dynaliteRequire('level') as { Level: LevelClass };
  const { Level } = level;
  level.Level = cachingTableDescriptions(Level);
  try {
    loaded = require('dynalite') as Dynalite;
  } finally {
    memoryLevel.MemoryLevel = MemoryLevel;
    level.Level = Level;
  }
  return loaded;
}

/** How long a stop waits for dynalite to answer the requests it is working on. */
const DRAIN_LIMIT_MS = 10_000;
/** How long a stop waits after the last answer before it closes LevelDB. */
const TRAILING_WORK_MS = 200;

/**
 * One dynalite server. Closing it first turns new requests away (the connection is reset, as a
 * crashed database would, and clients retry), then waits for the requests in progress: closing
 * LevelDB under a running operation makes dynalite throw where nobody can catch it.
 */
async function serveDynalite(
  meter: ApiMeter | undefined,
  port: number,
  dataDir: string | undefined,
): Promise<{
  port: number;
  server: Server;
  close(options?: { settle?: boolean }): Promise<void>;
}> {
  const server = loadDynalite()({
    createTableMs: 0,
    deleteTableMs: 0,
    updateTableMs: 0,
    path: dataDir,
  });
  const [handler] = server.listeners('request') as ((
    req: IncomingMessage,
    res: ServerResponse,
  ) => void)[];
  if (!handler) throw new Error('dynalite has no request handler to meter');
  server.removeAllListeners('request');
  let closing = false;
  let inFlight = 0;
  let drained: (() => void) | undefined;
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    if (closing) {
      req.socket.destroy();
      return;
    }
    // In flight until dynalite answers, not until the connection closes: a client that gives up
    // (or the endpoint's socket being reset) closes the response while dynalite still works on
    // LevelDB, and closing the database under it throws where nobody can catch it.
    inFlight += 1;
    let answered = false;
    const end = res.end.bind(res) as (...args: unknown[]) => ServerResponse;
    res.end = ((...args: unknown[]) => {
      if (!answered) {
        answered = true;
        inFlight -= 1;
        if (inFlight === 0) drained?.();
      }
      return end(...args);
    }) as typeof res.end;
    if (meter) meterDynamoDb(meter, handler, req, res);
    else handler(req, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const drain = async (): Promise<void> => {
    if (inFlight === 0) return;
    // dynalite answers every request; the bound only keeps a stuck one from hanging a stop.
    await new Promise<void>((resolve) => {
      drained = resolve;
      setTimeout(resolve, DRAIN_LIMIT_MS).unref();
    });
  };
  return {
    port: (server.address() as AddressInfo).port,
    server,
    close: async ({ settle = false } = {}) => {
      closing = true;
      await drain();
      // dynalite may still touch LevelDB just after it answers, and closing under that throws
      // where nobody can catch it. A restart (traffic still arriving) lets that work settle; a
      // stop comes after the pollers and functions have stopped.
      if (settle) await new Promise((resolve) => setTimeout(resolve, TRAILING_WORK_MS));
      const closed = new Promise<void>((resolve, reject) =>
        server.close((error) => (error ? reject(error) : resolve())),
      );
      server.closeAllConnections();
      await closed;
    },
  };
}

/**
 * Counts the call, asks dynalite for the consumed capacity (as `ReturnConsumedCapacity: TOTAL`
 * would on AWS) and adds it to the meter. The extra `ConsumedCapacity` field in the response is
 * ignored by clients that did not ask for it.
 */
function meterDynamoDb(
  meter: ApiMeter,
  handler: (req: IncomingMessage, res: ServerResponse) => void,
  req: IncomingMessage,
  res: ServerResponse,
): void {
  const target = req.headers['x-amz-target'];
  const action = typeof target === 'string' ? target.slice(target.indexOf('.') + 1) : undefined;
  if (!action || !(WRITE_ACTIONS.has(action) || READ_ACTIONS.has(action))) {
    if (action) meter.count('DynamoDB', action);
    handler(req, res);
    return;
  }
  meter.count('DynamoDB', action);
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    // String surgery, not JSON.parse/stringify: this runs for every DynamoDB call.
    const original = Buffer.concat(chunks).toString('utf8');
    const asked = /"ReturnConsumedCapacity"\s*:\s*"(\w+)"/.exec(original)?.[1];
    let body = original;
    if (asked === undefined) {
      const open = original.indexOf('{');
      const empty = /^\{\s*\}$/.test(original.trim());
      if (open >= 0) {
        body = `${original.slice(0, open + 1)}"ReturnConsumedCapacity":"TOTAL"${empty ? '' : ','}${original.slice(open + 1)}`;
      }
    } else if (asked === 'NONE') {
      body = original.replace(
        /"ReturnConsumedCapacity"\s*:\s*"NONE"/,
        '"ReturnConsumedCapacity":"TOTAL"',
      );
    }
    const replay = Object.assign(new PassThrough(), {
      headers: { ...req.headers, 'content-length': String(Buffer.byteLength(body)) },
      method: req.method,
      url: req.url,
      socket: req.socket,
    });
    const end = res.end.bind(res) as (chunk?: unknown) => ServerResponse;
    res.end = ((chunk?: unknown) => {
      addCapacity(meter, action, res.statusCode, chunk, asked === 'INDEXES');
      return end(chunk);
    }) as typeof res.end;
    handler(replay as unknown as IncomingMessage, res);
    replay.end(body);
  });
}

function addCapacity(
  meter: ApiMeter,
  action: string,
  status: number,
  chunk: unknown,
  perIndex: boolean,
): void {
  const isWrite = WRITE_ACTIONS.has(action);
  if (status !== 200) {
    // AWS charges a failed conditional write one write unit; other errors cost nothing.
    if (isWrite && typeof chunk === 'string' && chunk.includes('ConditionalCheckFailed')) {
      meter.writeRequestUnits += 1;
    }
    return;
  }
  if (typeof chunk !== 'string' || !chunk.includes('ConsumedCapacity')) return;
  let units = 0;
  if (perIndex) {
    // INDEXES repeats each unit count per table and index: read only the totals.
    const { ConsumedCapacity } = JSON.parse(chunk) as {
      ConsumedCapacity?: { CapacityUnits?: number } | { CapacityUnits?: number }[];
    };
    units = [ConsumedCapacity ?? []].flat().reduce((sum, c) => sum + (c.CapacityUnits ?? 0), 0);
  } else {
    // TOTAL: one CapacityUnits per table touched, and nothing else in a response is named so.
    for (const match of chunk.matchAll(/"CapacityUnits":([\d.]+)/g)) units += Number(match[1]);
  }
  if (isWrite) meter.writeRequestUnits += units;
  else meter.readRequestUnits += units;
}
