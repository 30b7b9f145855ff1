/**
 * The Functions page: each function's configuration, invocation statistics from its REPORT lines,
 * recent log lines, and a form to invoke it.
 */
import { useState } from 'preact/hooks';
import type { FunctionInfo } from '../api';
import { api, usePoll } from './client';
import { ErrorLine, type Meta, time } from './shared';

function InvokeForm({ fn, meta }: { fn: FunctionInfo; meta: Meta }) {
  const [payload, setPayload] = useState(
    JSON.stringify(fn.key === 'requestor' ? meta.examples.invoke : {}, null, 0),
  );
  const [outcome, setOutcome] = useState<{ ok?: string; error?: string }>({});
  const submit = (e: Event) => {
    e.preventDefault();
    let parsed: unknown;
    try {
      parsed = JSON.parse(payload);
    } catch {
      setOutcome({ error: 'The payload is not JSON' });
      return;
    }
    setOutcome({ ok: `Invoking ${fn.name}…` });
    api<{ functionError?: string; result: unknown; payload: unknown; idempotencyKey?: string }>(
      `/functions/${fn.key}/invoke`,
      { payload: parsed },
    ).then(
      (r) => {
        const key = r.idempotencyKey ? ` (idempotency key ${r.idempotencyKey})` : '';
        if (!r.functionError) {
          setOutcome({ ok: `${fn.key} returned ${JSON.stringify(r.result).slice(0, 300)}${key}` });
          return;
        }
        // The payload as sent, key included: invoking again retries it, re-sending the same requests.
        if (r.idempotencyKey) setPayload(JSON.stringify(r.payload));
        const retry = r.idempotencyKey ? '; invoke again to retry with the same key' : '';
        setOutcome({
          error: `${fn.key} failed (${r.functionError})${key}: ${JSON.stringify(r.result)}${retry}`,
        });
      },
      (err: Error) => setOutcome({ error: err.message }),
    );
  };
  const id = `payload-${fn.key}`;
  return (
    <form onSubmit={submit} class="panel" aria-label={`Invoke ${fn.key}`}>
      <label for={id}>Payload</label>
      <input
        id={id}
        class="mono"
        value={payload}
        onInput={(e) => setPayload(e.currentTarget.value)}
      />
      <button type="submit" disabled={!meta.writable}>
        Invoke {fn.key}
      </button>
      {outcome.ok && (
        <p role="status" data-testid={`invoke-${fn.key}`}>
          {outcome.ok}
        </p>
      )}
      <ErrorLine error={outcome.error} />
    </form>
  );
}

/** Both functions: configuration, statistics from REPORT lines, recent logs, and an invoke form. */
export function FunctionsPage({ meta }: { meta: Meta }) {
  const { data, error } = usePoll<FunctionInfo[]>('/functions', 3000);
  return (
    <section aria-labelledby="functions-h">
      <h2 id="functions-h">Functions</h2>
      <ErrorLine error={error} />
      <div class="cards">
        {(data ?? []).map((fn) => (
          <article key={fn.key} class="card" data-function={fn.key}>
            <h3>
              {fn.key} <span class="small mono">{fn.name}</span>
            </h3>
            <dl class="facts">
              <dt>Runtime</dt>
              <dd data-node={fn.node}>
                {fn.runtime ?? '–'}
                {fn.node ? `, on Node ${fn.node}` : ''}
                {fn.otherMajor ? " (not the runtime's Node: no binary for it here)" : ''}
              </dd>
              <dt>Architecture</dt>
              <dd>{fn.architectures.join(', ') || '–'}</dd>
              <dt>Memory</dt>
              <dd>{fn.memorySize ?? '–'} MB</dd>
              <dt>Timeout</dt>
              <dd>{fn.timeoutSeconds ?? '–'} s</dd>
              <dt>Environment</dt>
              <dd class="mono small">{fn.environmentKeys.join(' ')}</dd>
              <dt>Invocations (REPORT lines, {fn.stats.windowMinutes} min)</dt>
              <dd>
                {fn.stats.invocations}, {fn.stats.errors} failed
                {fn.stats.p50Ms !== undefined
                  ? `, p50 ${fn.stats.p50Ms} ms, p99 ${fn.stats.p99Ms} ms`
                  : ''}
              </dd>
            </dl>
            <InvokeForm fn={fn} meta={meta} />
            <h4>Recent log lines</h4>
            {fn.recentLogs.length === 0 ? (
              <p class="empty">None in the last 15 minutes.</p>
            ) : (
              <ul class="logs">
                {fn.recentLogs.slice(-12).map((l, i) => (
                  <li key={i}>
                    <span class="when">{time(l.timestamp)}</span> <code>{l.message}</code>
                  </li>
                ))}
              </ul>
            )}
          </article>
        ))}
      </div>
    </section>
  );
}
