// S3 uploads (PutObject, UploadPart) received as they arrive: decoded from aws-chunked piece by
// piece, counted, checksummed and written to a temporary file, so an oversized body is refused
// with S3's own error while it is still arriving and the process never holds it.

import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { Writable } from 'node:stream';
import { S3_PART_LIMIT_BYTES, S3_PUT_OBJECT_LIMIT_BYTES } from '../../../aws/limits';
import { answerBeforeBody } from '../guard/lingering-close';
import { AwsChunkedDecoder, ChunkedBodyError } from './aws-chunked';
import { Spool } from './spool';
import { sendS3Error } from './xml';

/**
 * The largest request body fauxqs takes (the Fastify `bodyLimit` its `buildApp` fixes); a larger
 * one gets Fastify's JSON 413, which no S3 client understands. Kept here, not in
 * `local/sqs/fauxqs.ts`, so the endpoint's guards do not load fauxqs (the console imports them).
 */
const FAUXQS_BODY_LIMIT_BYTES = 11 * 1024 * 1024;

/**
 * The most one upload request may carry on the local cloud, decoded. S3 takes 5 GiB in a
 * PutObject or a part; the store behind the endpoint (fauxqs's S3) keeps objects in memory and
 * takes at most 11 MiB in one request. Every client sends larger objects in parts below it (the
 * SDK's `Upload` 5 MiB, the AWS CLI 8 MiB, cdk-assets multipart above 5 MB), and a multipart
 * upload of such parts still builds an object of any size.
 */
export const S3_UPLOAD_LIMIT_BYTES = Math.min(
  S3_PUT_OBJECT_LIMIT_BYTES,
  S3_PART_LIMIT_BYTES,
  FAUXQS_BODY_LIMIT_BYTES,
);

/** An upload received whole and within its bound: its payload, and the headers that describe it. */
export interface ReceivedUpload {
  readonly body: Buffer;
  /** The request's headers, less the aws-chunked encoding (the body is decoded). */
  readonly headers: IncomingHttpHeaders;
}

/** S3 refuses the upload with a 400 and this code. */
class UploadRefused extends Error {
  override readonly name = 'UploadRefused';
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** The client went away before the body ended: nobody to answer. */
class ClientGone extends Error {
  override readonly name = 'ClientGone';
}

/** Whether a request uploads a body S3 stores: PutObject or UploadPart (not a copy). */
export function isS3Upload(req: IncomingMessage): boolean {
  if (req.method !== 'PUT' || req.headers['x-amz-copy-source'] !== undefined) return false;
  const path = (req.url ?? '/').split('?')[0] ?? '/';
  const slash = path.indexOf('/', 1);
  return slash > 0 && slash < path.length - 1;
}

function isAwsChunked(headers: IncomingHttpHeaders): boolean {
  return String(headers['content-encoding'] ?? '').includes('aws-chunked');
}

function tooLarge(limit: number): UploadRefused {
  return new UploadRefused(
    'EntityTooLarge',
    `Your proposed upload exceeds the maximum allowed size: the local cloud takes ${limit} bytes in one request (S3 takes 5 GiB); send a larger object as a multipart upload`,
  );
}

/**
 * Receives the body of an upload (see {@link isS3Upload}) within `limit` decoded bytes. A body
 * over it (by its declared length, or once that many bytes arrived), a malformed aws-chunked
 * encoding or a checksum that does not match is refused with S3's error, the rest of the body
 * dropped as it arrives and the connection closed after the answer. Resolves with the upload, or
 * undefined once it has answered (or the client has gone).
 */
export async function receiveUpload(
  req: IncomingMessage,
  res: ServerResponse,
  limit = S3_UPLOAD_LIMIT_BYTES,
): Promise<ReceivedUpload | undefined> {
  const chunked = isAwsChunked(req.headers);
  try {
    const declared = req.headers[chunked ? 'x-amz-decoded-content-length' : 'content-length'];
    if (Number(declared) > limit) throw tooLarge(limit);
    const spool = await Spool.open();
    try {
      const decoder = chunked ? new AwsChunkedDecoder() : undefined;
      const { size, sha256 } = await receive(req, spool, decoder, limit);
      checkReceived(req.headers, decoder?.trailers, size, sha256);
      return { body: await spool.read(), headers: decodedHeaders(req.headers, size) };
    } finally {
      await spool.discard();
    }
  } catch (error) {
    if (error instanceof ClientGone) {
      res.destroy();
      return undefined;
    }
    const refusal =
      error instanceof ChunkedBodyError
        ? new UploadRefused(
            error.incomplete ? 'IncompleteBody' : 'InvalidRequest',
            `The aws-chunked body is malformed: ${error.message}`,
          )
        : error;
    if (!(refusal instanceof UploadRefused)) throw error;
    answerBeforeBody(req, res);
    sendS3Error(res, 400, refusal.code, refusal.message);
    return undefined;
  }
}

/**
 * Pipes the body into `spool` through `decoder`, counting and hashing the payload, with
 * backpressure: the socket is read no faster than the file is written.
 */
function receive(
  req: IncomingMessage,
  spool: Spool,
  decoder: AwsChunkedDecoder | undefined,
  limit: number,
): Promise<{ size: number; sha256: Buffer }> {
  const hash = createHash('sha256');
  let size = 0;
  const sink = new Writable({
    write(piece: Buffer, _encoding, done) {
      try {
        const payload = decoder ? decoder.write(piece) : [piece];
        for (const part of payload) size += part.length;
        if (size > limit) throw tooLarge(limit);
        for (const part of payload) hash.update(part);
        spool.write(payload).then(() => done(), done);
      } catch (error) {
        done(error as Error);
      }
    },
    final(done) {
      try {
        decoder?.end();
        done();
      } catch (error) {
        done(error as Error);
      }
    },
  });
  return new Promise((resolve, reject) => {
    const fail = (error: Error) => {
      req.unpipe(sink);
      reject(error);
    };
    sink.on('error', fail);
    sink.on('finish', () => resolve({ size, sha256: hash.digest() }));
    req.on('error', () => fail(new ClientGone('the client closed the connection')));
    req.on('close', () => {
      if (!req.complete) fail(new ClientGone('the client closed the connection'));
    });
    req.pipe(sink);
  });
}

/**
 * Checks the payload against what the request declared: its decoded length, its SHA-256 in
 * `x-amz-content-sha256` (hex) or `x-amz-checksum-sha256` (base64, a header or a trailer).
 */
function checkReceived(
  headers: IncomingHttpHeaders,
  trailers: ReadonlyMap<string, string> | undefined,
  size: number,
  sha256: Buffer,
): void {
  const declared = headers['x-amz-decoded-content-length'];
  if (trailers && declared !== undefined && Number(declared) !== size) {
    throw new UploadRefused(
      'IncompleteBody',
      `You did not provide the number of bytes specified by x-amz-decoded-content-length (${declared}; got ${size})`,
    );
  }
  const contentSha = String(headers['x-amz-content-sha256'] ?? '');
  if (/^[0-9a-f]{64}$/i.test(contentSha) && contentSha.toLowerCase() !== sha256.toString('hex')) {
    throw new UploadRefused(
      'XAmzContentSHA256Mismatch',
      "The provided 'x-amz-content-sha256' header does not match what was computed.",
    );
  }
  const checksum = trailers?.get('x-amz-checksum-sha256') ?? headers['x-amz-checksum-sha256'];
  if (typeof checksum === 'string' && checksum !== sha256.toString('base64')) {
    throw new UploadRefused(
      'BadDigest',
      'The SHA256 you specified did not match the calculated checksum.',
    );
  }
}

/** The headers of the decoded body: no aws-chunked encoding, its own length. */
function decodedHeaders(headers: IncomingHttpHeaders, size: number): IncomingHttpHeaders {
  const decoded: IncomingHttpHeaders = { ...headers, 'content-length': String(size) };
  for (const name of ['transfer-encoding', 'x-amz-decoded-content-length', 'x-amz-trailer']) {
    delete decoded[name];
  }
  const encodings = String(headers['content-encoding'] ?? '')
    .split(',')
    .map((e) => e.trim())
    .filter((e) => e && e !== 'aws-chunked');
  if (encodings.length > 0) decoded['content-encoding'] = encodings.join(',');
  else delete decoded['content-encoding'];
  return decoded;
}
