/** The form that moves a dead-letter queue's messages back to its source, and its progress. */
import { useEffect, useState } from 'preact/hooks';
import type { QueueInfo, RedriveProgress } from '../../api';
import { api, usePoll } from '../client';
import { ErrorLine, type Meta } from '../shared';

/** A redrive's progress, or its outcome, in one sentence. */
function redriveText(p: RedriveProgress): string {
  const source = p.queue.replace(/-dlq$/, '');
  const failed = p.failed.length
    ? `; ${p.failed.length} failed: ${p.failed.map((f) => f.reason).join('; ')}`
    : '';
  const plural = p.toMove === 1 ? '' : 's';
  if (p.state === 'running') {
    return `Redriving ${p.queue}: ${p.moved} of ${p.toMove} message${plural} moved so far${failed}…`;
  }
  if (p.state === 'failed') return `${p.error ?? 'The redrive failed'} (${p.moved} moved)`;
  return `Moved ${p.moved} of ${p.toMove} message${plural} back to ${source} (${p.method})${failed}`;
}

/** Redrives `queue`, a DLQ, and calls `done` when the redrive ends so the depths are read again. */
export function RedriveForm({
  queue,
  meta,
  done,
}: {
  queue: QueueInfo;
  meta: Meta;
  done: () => void;
}) {
  const [max, setMax] = useState('');
  // Messages a handler rejected come straight back: the server asks to confirm, and this says so.
  const [confirmRejected, setConfirmRejected] = useState(false);
  const [rejectedWarning, setRejectedWarning] = useState(false);
  const [started, setStarted] = useState<RedriveProgress>();
  const [startError, setStartError] = useState<string>();
  // Polled once a second while this page's redrive runs; the moved count grows as it goes.
  const running = started?.state === 'running';
  const { data: progress } = usePoll<RedriveProgress>(
    running ? `/queues/${queue.id}/redrive` : undefined,
    1000,
  );
  const current = progress && progress.startedAt === started?.startedAt ? progress : started;
  const finished = current !== undefined && current.state !== 'running';
  useEffect(() => {
    if (finished) {
      setStarted(current);
      done();
    }
  }, [finished]);
  const submit = (e: Event) => {
    e.preventDefault();
    setStartError(undefined);
    const body = { ...(max ? { max: Number(max) } : {}), confirmRejected };
    api<RedriveProgress>(`/queues/${queue.id}/redrive`, body).then(setStarted, (err: Error) => {
      setStartError(err.message);
      if (/rejected by a handler/.test(err.message)) setRejectedWarning(true);
    });
  };
  return (
    <form onSubmit={submit} class="panel" aria-label={`Redrive ${queue.id}`}>
      <h4>Redrive</h4>
      <label for="redrive-max">At most (empty: all)</label>
      <input
        id="redrive-max"
        type="number"
        min={1}
        value={max}
        onInput={(e) => setMax(e.currentTarget.value)}
      />
      {rejectedWarning && (
        <label class="check">
          <input
            type="checkbox"
            checked={confirmRejected}
            onChange={(e) => setConfirmRejected(e.currentTarget.checked)}
          />{' '}
          Redrive the rejected messages anyway
        </label>
      )}
      <button type="submit" disabled={!meta.writable || current?.state === 'running'}>
        Redrive {queue.id}
      </button>
      {current && <Progress queue={queue} progress={current} />}
      <ErrorLine error={startError} />
    </form>
  );
}

/** A redrive's progress: one sentence, and a bar while there is something to move. */
function Progress({ queue, progress }: { queue: QueueInfo; progress: RedriveProgress }) {
  return (
    <>
      <p
        role={progress.state === 'failed' ? 'alert' : 'status'}
        data-state={progress.state}
        data-moved={progress.moved}
        data-to-move={progress.toMove}
      >
        {redriveText(progress)}
      </p>
      {progress.toMove > 0 && (
        <progress
          max={progress.toMove}
          value={progress.moved}
          aria-label={`Redrive of ${queue.id}`}
        />
      )}
    </>
  );
}
