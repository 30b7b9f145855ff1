import { useEffect, useState } from 'preact/hooks';
import type { Journey } from '../api';
import { api } from './client';
import { ErrorLine, time } from './shared';

/** A request's path through both tables, the DLQs and the logs. */
export function JourneyPage({ requestId }: { requestId?: string }) {
  const [input, setInput] = useState(requestId ?? '');
  const [journey, setJourney] = useState<Journey>();
  const [error, setError] = useState<string>();
  useEffect(() => {
    setInput(requestId ?? '');
    setJourney(undefined);
    setError(undefined);
    if (requestId)
      api<Journey>(`/journey/${encodeURIComponent(requestId)}`).then(setJourney, (e: Error) =>
        setError(e.message),
      );
  }, [requestId]);
  const submit = (e: Event) => {
    e.preventDefault();
    location.hash = `#/journey/${encodeURIComponent(input.trim())}`;
  };
  const r = journey?.request;
  const s = journey?.string;
  const steps: [string, unknown, string][] = [
    ['Requested', r?.requestedAt, 'requestor recorded it and sent a request message'],
    [
      'Generated',
      s?.generatedAt,
      s?.value ? `generator made ${String(s.value)}` : 'generator made the string',
    ],
    ['Stored', r?.storedAt, 'requestor stored the string and sent an ack'],
    ['Acknowledged', s?.acknowledgedAt, 'generator marked the string acknowledged'],
  ];
  return (
    <section aria-labelledby="journey-h">
      <h2 id="journey-h">Request journey</h2>
      <form onSubmit={submit} class="inline">
        <label for="journey-id">Request id</label>
        <input
          id="journey-id"
          class="mono"
          size={30}
          value={input}
          onInput={(e) => setInput(e.currentTarget.value)}
          placeholder="01J…"
        />
        <button type="submit">Follow</button>
      </form>
      <ErrorLine error={error} />
      {journey && (
        <>
          <ol class="journey" aria-label={`Journey of ${journey.requestId}`}>
            {steps.map(([label, at, what]) => (
              <li key={label} class={at ? 'done' : 'pending'} data-step={label.toLowerCase()}>
                <strong>{label}</strong> <span class="when">{at ? time(at) : 'not yet'}</span>
                <span class="small"> {what}</span>
              </li>
            ))}
          </ol>
          {!r && !s && <p class="empty">Neither table has {journey.requestId}.</p>}
          <h3>Dead letters</h3>
          {journey.deadLetters.length === 0 ? (
            <p class="empty">None of the DLQs holds a message about it.</p>
          ) : (
            <ul>
              {journey.deadLetters.map((m) => (
                <li key={m.messageId}>
                  {m.queue}: <strong>{m.failureCode ?? `failed ${m.receiveCount} receives`}</strong>{' '}
                  {m.failureReason}
                </li>
              ))}
            </ul>
          )}
          <h3>Log lines that name it</h3>
          {journey.logs.length === 0 ? (
            <p class="empty">No log lines (the target keeps none, or they have expired).</p>
          ) : (
            <ul class="logs">
              {journey.logs.map((l, i) => (
                <li key={i}>
                  <span class="when">{time(l.timestamp)}</span> <span class="fn">{l.function}</span>{' '}
                  <code>{l.message}</code>
                </li>
              ))}
            </ul>
          )}
        </>
      )}
    </section>
  );
}
