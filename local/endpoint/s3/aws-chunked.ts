// Decoding S3's `aws-chunked` content encoding (SigV4 streaming uploads) piece by piece, as the
// body arrives, so an upload is never held whole to be decoded.

/** The body is not valid aws-chunked encoding; the message says where it went wrong. */
export class ChunkedBodyError extends Error {
  override readonly name = 'ChunkedBodyError';
  constructor(
    message: string,
    /** The body ended before its last chunk: S3's `IncompleteBody` rather than a bad encoding. */
    readonly incomplete = false,
  ) {
    super(message);
  }
}

/**
 * The longest line the encoding has: a chunk header (a hex size and a 64-hex-digit
 * `chunk-signature`) or a trailer (`x-amz-checksum-sha256:BASE64`, `x-amz-trailer-signature:HEX`).
 */
const MAX_LINE_BYTES = 1024;
/** Trailers a body may end with (a checksum and a signature are all any SDK sends). */
const MAX_TRAILERS = 16;
/** A chunk's size in hex: 12 digits reach 256 TiB, far beyond any S3 body. */
const CHUNK_SIZE = /^[0-9a-f]{1,12}$/i;

type State = 'size' | 'data' | 'data-end' | 'trailer' | 'done';

/**
 * Decodes an aws-chunked body: `SIZE[;chunk-signature=SIG]\r\nDATA\r\n` chunks, a `0` chunk, then
 * trailers (`x-amz-checksum-sha256:BASE64\r\n`) and an empty line. It works on whatever pieces the
 * body arrives in (a chunk header may straddle two), keeping at most one partial line.
 * Signatures are not checked: the endpoint does not verify SigV4 signatures at all.
 */
export class AwsChunkedDecoder {
  private state: State = 'size';
  private remaining = 0;
  private pending = '';
  private readonly trailerValues = new Map<string, string>();

  /** The trailers read so far, by lowercase name. */
  get trailers(): ReadonlyMap<string, string> {
    return this.trailerValues;
  }

  /**
   * Decodes the next piece of the body and returns the payload bytes it holds (views of `piece`).
   *
   * @throws ChunkedBodyError when the piece breaks the encoding
   */
  write(piece: Buffer): Buffer[] {
    const payload: Buffer[] = [];
    let at = 0;
    while (at < piece.length) {
      if (this.state === 'data') {
        const end = Math.min(piece.length, at + this.remaining);
        payload.push(piece.subarray(at, end));
        this.remaining -= end - at;
        at = end;
        if (this.remaining === 0) this.state = 'data-end';
        continue;
      }
      if (this.state === 'done') throw new ChunkedBodyError('data follows the final chunk');
      const newline = piece.indexOf(0x0a, at);
      const stop = newline === -1 ? piece.length : newline;
      this.pending += piece.toString('latin1', at, stop);
      if (this.pending.length > MAX_LINE_BYTES) {
        throw new ChunkedBodyError(`a chunk header or trailer is over ${MAX_LINE_BYTES} bytes`);
      }
      at = stop;
      if (newline === -1) continue;
      at += 1;
      const line = this.pending.endsWith('\r') ? this.pending.slice(0, -1) : this.pending;
      this.pending = '';
      this.onLine(line);
    }
    return payload;
  }

  /**
   * Says the body has ended. A missing last empty line after the trailers is forgiven.
   *
   * @throws ChunkedBodyError when the body ended inside a chunk
   */
  end(): void {
    if (this.state === 'trailer') {
      if (this.pending) this.onLine(this.pending.replace(/\r$/, ''));
      this.state = 'done';
    }
    if (this.state !== 'done') {
      throw new ChunkedBodyError('the body ended before its final (zero-size) chunk', true);
    }
  }

  private onLine(line: string): void {
    if (this.state === 'data-end') {
      if (line !== '') throw new ChunkedBodyError('a chunk holds more data than its size says');
      this.state = 'size';
    } else if (this.state === 'size') {
      const size = line.split(';', 1)[0] ?? '';
      if (!CHUNK_SIZE.test(size)) {
        throw new ChunkedBodyError(`a chunk header must start with a hex size, got "${size}"`);
      }
      this.remaining = Number.parseInt(size, 16);
      this.state = this.remaining === 0 ? 'trailer' : 'data';
    } else if (line === '') {
      this.state = 'done';
    } else {
      this.addTrailer(line);
    }
  }

  private addTrailer(line: string): void {
    const colon = line.indexOf(':');
    if (colon <= 0) throw new ChunkedBodyError(`a trailer must be NAME:VALUE, got "${line}"`);
    if (this.trailerValues.size >= MAX_TRAILERS) {
      throw new ChunkedBodyError(`a body may end with at most ${MAX_TRAILERS} trailers`);
    }
    this.trailerValues.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
}
