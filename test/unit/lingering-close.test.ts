// Closing after an early answer: a client still sending gets the answer and no reset, and a
// client that never stops is cut off after the linger.

import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { type AddressInfo, connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { answerBeforeBody } from '../../local/endpoint/guard/lingering-close';

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

/** Connects and starts a POST whose declared body is far larger than what follows. */
async function startUpload(port: number) {
  const client = connect({ port, host: '127.0.0.1', allowHalfOpen: true });
  await once(client, 'connect');
  client.write(
    `POST /upload HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Length: ${2 ** 30}\r\n\r\n`,
  );
  const [answer] = (await once(client, 'data')) as [Buffer];
  return { client, answer: answer.toString() };
}

/** Writes `total` bytes of one reused chunk, waiting for each to drain. */
async function send(client: Socket, total: number) {
  const chunk = Buffer.alloc(64 * 1024, 'a');
  for (let sent = 0; sent < total; sent += chunk.length) {
    if (!client.write(chunk)) await once(client, 'drain');
  }
}

/** Resolves once `socket` has closed, with or without an error. */
function closed(socket: Socket) {
  return new Promise((resolve) => (socket.closed ? resolve(true) : socket.once('close', resolve)));
}

describe('answering before the body has arrived', () => {
  it('drops what the client goes on sending, with no reset, and closes when it stops', async () => {
    const { port, sockets } = await refusingServer(60_000);
    const { client, answer } = await startUpload(port);
    expect(answer).toMatch(/^HTTP\/1\.1 413 .*\r\nconnection: close\r\n/is);
    const errors: Error[] = [];
    client.on('error', (error) => errors.push(error));
    // Far more than the loopback's socket buffers hold: only a server still reading takes it.
    await send(client, 32 * 1024 * 1024);
    client.end();
    await once(client, 'close');
    expect(errors).toEqual([]);
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
