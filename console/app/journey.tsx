/**
 * The Request journey page: one request's steps through both tables, the dead letters about it
 * and the log lines that name it, for the request id in the page's address.
 */
import { useEffect, useState } from 'preact/hooks';
import type { Journey } from '../api';
import { api } from './client';
import { ErrorLine, time } from './shared';

/** The journey of `requestId`, read again whenever the id changes. */
function useJourney(requestId?: string) {
  const [journey, setJourney] = useState<Journey>();
  const [error, setError] = useState<string>();
  useEffect(() => {
    setJourney(undefined);
    setError(undefined);
    if (requestId)
      api<Journey>(`/journey/${encodeURIComponent(requestId)}`).then(setJourney, (e: Error) =>
        setError(e.message),
      );
  }, [requestId]);
  return { journey, error };
}

/** A request's path through both tables, the DLQs and the logs. */
export function JourneyPage({ requestId }: { requestId?: string }) {
  const { journey, error } = useJourney(requestId);
  return (
    <section aria-labelledby="journey-h">
      <h2 id="journey-h">Request journey</h2>
      <FollowForm requestId={requestId} />
      <ErrorLine error={error} />
      {journey && <JourneyDetail journey={journey} />}
    </section>
  );
}

/** The request id to follow; following it changes the address, so the id can be shared. */
function FollowForm({ requestId }: { requestId?: string }) {
  const [input, setInput] = useState(requestId ?? '');
  useEffect(() => {
    setInput(requestId ?? '');
  }, [requestId]);
  const submit = (e: Event) => {
    e.preventDefault();
    location.hash = `#/journey/${encodeURIComponent(input.trim())}`;
  };
  return (
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
  );
}

/** The four steps of a round trip: what happened, when, or that it has not yet. */
function journeySteps(journey: Journey): [string, unknown, string][] {
  const r = journey.request;
  const s = journey.string;
  return [
    ['Requested', r?.requestedAt, 'requestor recorded it and sent a request message'],
    [
      'Generated',
      s?.generatedAt,
      s?.value ? `generator made ${String(s.value)}` : 'generator made the string',
    ],
    ['Stored', r?.storedAt, 'requestor stored the string and sent an ack'],
    ['Acknowledged', s?.acknowledgedAt, 'generator marked the string acknowledged'],
  ];
}

function JourneyDetail({ journey }: { journey: Journey }) {
  return (
    <>
      <ol class="journey" aria-label={`Journey of ${journey.requestId}`}>
        {journeySteps(journey).map(([label, at, what]) => (
          <li key={label} class={at ? 'done' : 'pending'} data-step={label.toLowerCase()}>
            <strong>{label}</strong> <span class="when">{at ? time(at) : 'not yet'}</span>
            <span class="small"> {what}</span>
          </li>
        ))}
      </ol>
      {!journey.request && !journey.string && (
        <p class="empty">Neither table has {journey.requestId}.</p>
      )}
      <h3>Dead letters</h3>
      <DeadLetters journey={journey} />
      <h3>Log lines that name it</h3>
      <LogLines journey={journey} />
    </>
  );
}

function DeadLetters({ journey }: { journey: Journey }) {
  return journey.deadLetters.length === 0 ? (
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
  );
}

function LogLines({ journey }: { journey: Journey }) {
  return journey.logs.length === 0 ? (
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
  );
}
