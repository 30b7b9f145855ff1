/**
 * LocalStack's lifecycle for those who have Docker: is it up, start and stop it with the compose
 * file, deploy the stack with cdklocal in the region the ops tools will look in. The commands
 * `npm run deploy:localstack` and `npm run test:localstack` are built from these.
 */
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { endpointRegion } from './target';

/** The repository root, where the compose file and the CDK app are. */
const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** The compose file that runs LocalStack on 127.0.0.1:4566. */
export const COMPOSE_FILE = 'docker-compose.localstack.yml';
/** How to start LocalStack, for messages. */
export const START_HINT = `LOCALSTACK_AUTH_TOKEN=... docker compose -f ${COMPOSE_FILE} up -d`;
/** Services the pipeline's deployment and the end-to-end suite need running. */
const NEEDED = ['cloudformation', 'iam', 'lambda', 'logs', 's3', 'sqs', 'dynamodb', 'sts'];

/**
 * LocalStack's edge URL. cdklocal reaches LocalStack on `EDGE_PORT` (default 4566), so the health
 * check and the tests use the same port.
 */
export function localstackUrl(env: NodeJS.ProcessEnv = process.env): string {
  return `http://localhost:${env.EDGE_PORT ?? '4566'}`;
}

/** LocalStack's `/_localstack/health` answer: each service's state; undefined when nothing answers. */
export async function localstackHealth(
  url: string,
  timeoutMs = 2000,
): Promise<Record<string, string> | undefined> {
  try {
    const res = await fetch(`${url}/_localstack/health`, {
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (!res.ok) return undefined;
    const body = (await res.json()) as { services?: Record<string, string> };
    return body.services ?? {};
  } catch {
    return undefined;
  }
}

/** The services among those the pipeline needs that are not up yet (`available` or `running`). */
export function servicesNotReady(services: Record<string, string>): string[] {
  return NEEDED.filter((s) => services[s] !== 'available' && services[s] !== 'running');
}

/**
 * What `npm run test:localstack` lacks to run, in one line, or undefined when it has it all:
 * a working Docker with the compose plugin, and a LocalStack auth token (since 2026 LocalStack
 * needs one, even for these services).
 */
export function missingForLocalstack(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const missing: string[] = [];
  const client = spawnSync('docker', ['--version'], { env, encoding: 'utf8' });
  if (client.error) missing.push('Docker (docker is not on PATH)');
  else {
    const compose = spawnSync('docker', ['compose', 'version'], { env, encoding: 'utf8' });
    if (compose.status !== 0) {
      missing.push('the Docker Compose plugin (docker compose version failed)');
    }
    const server = spawnSync('docker', ['version', '--format', '{{.Server.Version}}'], {
      env,
      encoding: 'utf8',
    });
    if (server.status !== 0) {
      missing.push('a running Docker daemon (docker version cannot reach it)');
    }
  }
  if (!env.LOCALSTACK_AUTH_TOKEN) missing.push('LOCALSTACK_AUTH_TOKEN (not set)');
  const last = missing.pop();
  if (last === undefined) return undefined;
  return missing.length === 0 ? last : `${missing.join(', ')} and ${last}`;
}

/** Runs a command from the repository root with inherited output; resolves with its exit code. */
export function run(
  command: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: ROOT, env, stdio: 'inherit' });
    child.once('error', reject);
    child.once('exit', (code, signal) => resolve(code ?? (signal ? 130 : 1)));
  });
}

/** A tool from node_modules/.bin. */
export const bin = (name: string) => `${ROOT}node_modules/.bin/${name}`;

/**
 * The environment cdklocal needs to deploy to `region`: cdklocal drops AWS_* variables it is not
 * told to keep (and then picks us-east-1), so the region goes through AWS_ENVAR_ALLOWLIST.
 */
export function cdklocalEnv(region: string, env: NodeJS.ProcessEnv = process.env) {
  const allow = new Set(
    (env.AWS_ENVAR_ALLOWLIST ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  );
  allow.add('AWS_REGION');
  allow.add('AWS_DEFAULT_REGION');
  return {
    ...env,
    AWS_REGION: region,
    AWS_DEFAULT_REGION: region,
    AWS_ENVAR_ALLOWLIST: [...allow].join(','),
  };
}

/** The region a LocalStack deployment uses: the option, else AWS_REGION, AWS_DEFAULT_REGION, us-east-1. */
export const deployRegion = (option?: string) => endpointRegion(option);

/**
 * Bootstraps and deploys the stack with cdklocal in `region`, the schedule off (it does not fire
 * on LocalStack, and the end-to-end test counts exactly). Resolves with cdklocal's exit code.
 */
export async function deployToLocalstack(region: string): Promise<number> {
  const env = cdklocalEnv(region);
  const bootstrap = await run(bin('cdklocal'), ['bootstrap'], env);
  if (bootstrap !== 0) return bootstrap;
  return run(
    bin('cdklocal'),
    ['deploy', '--require-approval', 'never', '-c', 'scheduleEnabled=false'],
    env,
  );
}
