// Closing after an early answer: a client still sending gets the answer and no reset, and a
// client that never stops is cut off after the linger.

import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { answerBeforeBody } from '../../local/endpoint/guard/lingering-close';
import { answeredBeforeBody, closed, sendToTheEnd } from '../raw-http';

let server: Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  server = undefined;
});

/** A server that refuses every body before reading it, lingering `lingerMs` after its answer. */
async function refusingServer(lingerMs: number) {
  server = createServer((req, res) => {
    answerBeforeBody(req, res, lingerMs);
    res.writeHead(413).end('too large');
  });
  const sockets: Socket[] = [];
  server.on('connection', (socket) => sockets.push(socket));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { port: (server.address() as AddressInfo).port, sockets };
}

/** Starts a POST whose declared body is far larger than what follows; resolves at the answer. */
function startUpload(port: number) {
  return answeredBeforeBody(
    port,
    `POST /upload HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Length: ${2 ** 30}\r\n\r\n`,
  );
}

describe('answering before the body has arrived', () => {
  it('drops what the client goes on sending, with no reset, and closes when it stops', async () => {
    const { port, sockets } = await refusingServer(60_000);
    const { client, answer } = await startUpload(port);
    expect(answer).toMatch(/^HTTP\/1\.1 413 .*\r\nconnection: close\r\n/is);
    // Far more than the loopback's socket buffers hold: only a server still reading takes it.
    expect(await sendToTheEnd(client, 32 * 1024 * 1024)).toEqual([]);
    // The server's side closes too (its parser calls the cut-short body an error, as it is).
    await Promise.all(sockets.map(closed));
  });

  it('cuts off a client that neither stops sending nor closes after the linger', async () => {
    const { port, sockets } = await refusingServer(50);
    const { client } = await startUpload(port);
    client.on('error', () => {});
    client.write('still sending');
    await closed(sockets[0] as Socket);
    expect(client.destroyed).toBe(false);
    client.destroy();
  });
});
