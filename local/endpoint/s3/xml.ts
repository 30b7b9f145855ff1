// S3's answers in its own XML shape: `<Error><Code>` for errors, as every S3 client parses them.

import type { ServerResponse } from 'node:http';
import { escapeXml } from '../protocol';

/** Answers `body` (an XML element) with the XML declaration in front. */
export function sendXml(res: ServerResponse, status: number, body: string): void {
  const text = `<?xml version="1.0" encoding="UTF-8"?>${body}`;
  res.writeHead(status, {
    'content-type': 'application/xml',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

/** Answers an S3 error, as S3 does: `<Error><Code>CODE</Code><Message>...</Message></Error>`. */
export function sendS3Error(
  res: ServerResponse,
  status: number,
  code: string,
  message: string,
): void {
  sendXml(
    res,
    status,
    `<Error><Code>${code}</Code><Message>${escapeXml(message)}</Message></Error>`,
  );
}
