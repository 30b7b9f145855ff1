// Answering before a request's body has all arrived, then closing the connection the way nginx
// and Apache do ("lingering close"): stop sending, drop what still arrives, close once the
// client has stopped. Closing at once with unread bytes makes the kernel reset the connection,
// and a client still sending can then get EPIPE instead of the answer it was already sent.

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/**
 * How long the connection stays open after the answer for the client to stop sending (nginx's
 * lingering_timeout).
 */
const LINGER_MS = 5_000;

/**
 * Prepares `res` to answer `req` before its body has been read: the rest of the body is dropped
 * as it arrives, the answer says `Connection: close`, and after it the socket half-closes and
 * lingers until the client closes its side or `lingerMs` passes, whichever is first.
 */
export function answerBeforeBody(req: IncomingMessage, res: ServerResponse, lingerMs = LINGER_MS) {
  // Dropped as it arrives: a flowing stream without `data` listeners discards its chunks.
  req.resume();
  res.setHeader('connection', 'close');
  lingerOnClose(req.socket, lingerMs);
}

/**
 * Replaces the socket's `destroySoon`, which Node's HTTP server calls after a `Connection: close`
 * answer: send FIN, keep reading (the server's parser drops the body), and destroy when the
 * client ends its side (the socket destroys itself then) or after `lingerMs`.
 */
function lingerOnClose(socket: Socket, lingerMs: number) {
  socket.destroySoon = function lingeringClose(this: Socket) {
    if (this.writable) this.end();
    const timer = setTimeout(() => this.destroy(), lingerMs);
    timer.unref();
    this.once('close', () => clearTimeout(timer));
    this.resume();
  };
}
