/**
 * The Queues page: every queue's depth and settings, and on the selected queue a peek at its
 * messages and the forms that change it (send, redrive, purge), each only where it applies.
 */
import { useEffect, useState } from 'preact/hooks';
import type { QueueInfo } from '../../api';
import { usePoll } from '../client';
import { ErrorLine, type Meta } from '../shared';
import { firstQueueToLookAt } from './first-queue';
import { Peek } from './peek';
import { PurgeForm } from './purge-form';
import { QueueTable } from './queue-table';
import { RedriveForm } from './redrive-form';
import { SendForm } from './send-form';

/** Every queue: depth and settings; peek, send, purge and redrive on the selected one. */
export function QueuesPage({ meta }: { meta: Meta }) {
  const { data, error, refresh } = usePoll<QueueInfo[]>('/queues');
  // Opens on the first dead-letter queue holding messages, the one worth a look, and stays on
  // the queue shown until another is picked (a redrive that empties it does not move the page).
  const [picked, setPicked] = useState<string>();
  useEffect(() => {
    if (data && picked === undefined) setPicked(firstQueueToLookAt(data));
  }, [data, picked]);
  const selected = picked;
  const queue = data?.find((q) => q.id === selected);
  return (
    <section aria-labelledby="queues-h">
      <h2 id="queues-h">Queues</h2>
      <ErrorLine error={error} />
      <QueueTable queues={data ?? []} selected={selected ?? ''} onSelect={setPicked} />
      {queue && <QueueDetail queue={queue} meta={meta} refresh={refresh} />}
    </section>
  );
}

/** The selected queue: its messages, then a form per thing that can be done to it. */
function QueueDetail({
  queue,
  meta,
  refresh,
}: {
  queue: QueueInfo;
  meta: Meta;
  refresh: () => void;
}) {
  return (
    <div class="detail" data-selected={queue.id}>
      <h3>
        {queue.id} <span class="small mono">{queue.name}</span>
      </h3>
      <Peek key={queue.id} queue={queue} meta={meta} />
      <div class="forms">
        {!queue.isDlq && <SendForm key={`s${queue.id}`} queue={queue} meta={meta} />}
        {queue.isDlq && (
          <RedriveForm key={`r${queue.id}`} queue={queue} meta={meta} done={refresh} />
        )}
        <PurgeForm key={`p${queue.id}`} queue={queue} meta={meta} done={refresh} />
      </div>
      {!meta.writable && (
        <p class="small">
          Read-only against AWS: restart the console with --allow-writes to change things.
        </p>
      )}
    </div>
  );
}
