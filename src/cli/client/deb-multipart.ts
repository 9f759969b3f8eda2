// A multipart/form-data body of many files, streamed from disk one after the other (never the
// whole upload in memory), with its length known before the first byte so the service sees a
// Content-Length, and a callback per file sent for the progress line.
import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';

export interface MultipartFiles {
  body: ReadableStream<Uint8Array>;
  contentType: string;
  length: number;
}

/** The bytes before a file's content: its part header (the name is the file's base name). */
function partHeader(boundary: string, index: number, path: string): Buffer {
  // Quotes and line breaks cannot stand in a quoted header value; the service ignores names of .debs anyway.
  const name = basename(path).replace(/["\r\n\\]/g, '_');
  return Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="file${index}"; filename="${name}"\r\n` +
      'Content-Type: application/vnd.debian.binary-package\r\n\r\n',
  );
}

export async function multipartFiles(paths: readonly string[], onSent: (index: number, bytes: number) => void): Promise<MultipartFiles> {
  const boundary = `stubbuild-${randomBytes(16).toString('hex')}`;
  const sizes: number[] = [];
  for (const path of paths) sizes.push((await stat(path)).size);
  const closing = Buffer.from(`--${boundary}--\r\n`);
  let length = closing.length;
  paths.forEach((path, i) => (length += partHeader(boundary, i, path).length + sizes[i]! + 2));

  async function* parts(): AsyncGenerator<Uint8Array> {
    for (const [i, path] of paths.entries()) {
      yield partHeader(boundary, i, path);
      let sent = 0;
      for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
        sent += chunk.length;
        yield chunk;
      }
      // A file that changed size since it was measured would break the declared length.
      if (sent !== sizes[i]) throw new Error(`${path} changed while it was being sent (${sizes[i]} bytes before, ${sent} now)`);
      yield Buffer.from('\r\n');
      onSent(i, sent);
    }
    yield closing;
  }
  const iterator = parts();
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = await iterator.next();
      if (next.done) controller.close();
      else controller.enqueue(next.value);
    },
    async cancel() {
      await iterator.return(undefined);
    },
  });
  return { body, contentType: `multipart/form-data; boundary=${boundary}`, length };
}
