// Reads a request body up to a limit, failing fast on Content-Length so a 10 MB upload is refused unread.
import type { IncomingMessage } from 'node:http';
import { SpoolError } from '@spool/api';

const tooLarge = (limit: number): SpoolError =>
  new SpoolError('BODY_TOO_LARGE', `request body exceeds this function's limit of ${limit} bytes`);

export async function readBody(req: IncomingMessage, limitBytes: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limitBytes) throw tooLarge(limitBytes);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limitBytes) throw tooLarge(limitBytes);
    chunks.push(chunk);
  }
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size);
}
