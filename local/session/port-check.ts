/**
 * Whether the endpoint's port is free, asked before the synth: a taken port is then reported at
 * once instead of after the seconds a synth takes. The endpoint itself still reports a port taken
 * meanwhile, in the same words.
 */
import { createServer } from 'node:net';
import { SessionError } from './errors';

/**
 * Resolves if `port` on 127.0.0.1 can be listened on now (0, any free port, always can).
 *
 * @throws SessionError (`invalid`) naming the port and, where the system tells, who holds it
 */
export async function checkPortFree(port: number): Promise<void> {
  if (port === 0) return;
  const taken = await new Promise<boolean>((resolve, reject) => {
    const server = createServer();
    server.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE') resolve(true);
      else reject(error);
    });
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(false)));
  });
  if (!taken) return;
  const { portTakenMessage } = await import('../endpoint/gateway');
  throw new SessionError('invalid', portTakenMessage(port));
}
