// The Host names a local server answers to. A page on a DNS-rebinding name reaches 127.0.0.1 as
// its own origin, but its requests still carry that name in `Host`: refusing names other than the
// server's own is what keeps such a page from reading and driving it.

/** An `--allow-host` value that cannot be a host name; the message says why. */
export class AllowHostError extends Error {
  override readonly name = 'AllowHostError';
}

/** A host name, optionally with a port: `name`, `name:port`, `1.2.3.4:port`, `[v6]:port`. */
const HOST_PATTERN = /^(\[[0-9a-f:.]+\]|[a-z0-9]([a-z0-9.-]*[a-z0-9])?)(:(\d{1,5}))?$/;

/** The loopback names every local server answers to, on its own port. */
const LOOPBACK_NAMES = ['127.0.0.1', 'localhost', '[::1]'];

/**
 * Checks an `--allow-host` value and returns it lowercased: a host name or address, with or
 * without a port (`host.docker.internal`, `devbox:4566`).
 *
 * @throws AllowHostError naming the value when it is not one
 */
export function parseAllowedHost(value: string): string {
  const host = value.trim().toLowerCase();
  const match = HOST_PATTERN.exec(host);
  if (!match || (match[4] !== undefined && Number(match[4]) > 65_535)) {
    throw new AllowHostError(
      `--allow-host takes a host name or address, optionally with :PORT (devbox, devbox:4566); got ${JSON.stringify(value)}`,
    );
  }
  return host;
}

/**
 * The `Host` values a server on 127.0.0.1:`port` accepts: its loopback names with its port
 * (`127.0.0.1:PORT`, `localhost:PORT`, `[::1]:PORT`), and each allowed name, on exactly its port
 * when it names one and on any port otherwise (a proxy or a port forward may change the port).
 */
export class HostAllowlist {
  private readonly exact: ReadonlySet<string>;
  private readonly anyPort: ReadonlySet<string>;

  constructor(
    readonly port: number,
    allowed: readonly string[] = [],
  ) {
    const names = allowed.map(parseAllowedHost);
    this.exact = new Set([
      ...LOOPBACK_NAMES.map((name) => `${name}:${port}`),
      ...names.filter((n) => HOST_PATTERN.exec(n)?.[4] !== undefined),
    ]);
    this.anyPort = new Set(names.filter((n) => HOST_PATTERN.exec(n)?.[4] === undefined));
  }

  /** Whether a request with this `Host` header (or this origin's host) is for this server. */
  allows(host: string | undefined): boolean {
    if (!host) return false;
    const value = host.toLowerCase();
    if (this.exact.has(value)) return true;
    const match = HOST_PATTERN.exec(value);
    return match?.[1] !== undefined && this.anyPort.has(match[1]);
  }

  /** The accepted names, for a refusal's message: `127.0.0.1:4566, localhost:4566, [::1]:4566`. */
  describe(): string {
    return [...this.exact, ...this.anyPort].join(', ');
  }
}
