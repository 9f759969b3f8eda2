// A multipart/form-data body of many files, streamed from disk one after the other (never the
// whole upload in memory), with its length known before the first byte so the service sees a
// Content-Length, and a callback per file sent for the progress line. Small files (most .debs)
// are read whole, synchronously, and several go out in one chunk: an open, reads and a close
// through the thread pool, and a chunk per part, cost more than reading thousands of them.
import { randomBytes } from 'node:crypto';
import { closeSync, createReadStream, openSync, readSync, statSync } from 'node:fs';
import { basename } from 'node:path';

export interface MultipartFiles {
  body: ReadableStream<Uint8Array>;
  contentType: string;
  length: number;
}

// Files up to this size are read whole; a chunk of the body gathers parts up to about this size.
const SMALL_FILE = 256 * 1024;
const CHUNK = 256 * 1024;
const CRLF = Buffer.from('\r\n');

/** The bytes before a file's content: its part header (the name is the file's base name). */
function partHeader(boundary: string, index: number, path: string): Buffer {
  // Quotes and line breaks cannot stand in a quoted header value; the service ignores names of .debs anyway.
  const name = basename(path).replace(/["\r\n\\]/g, '_');
  return Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="file${index}"; filename="${name}"\r\n` +
      'Content-Type: application/vnd.debian.binary-package\r\n\r\n',
  );
}

/** A file that changed size since it was measured would break the declared length. */
function changedWhileSent(path: string, size: number, sent: number): Error {
  return new Error(`${path} changed while it was being sent (${size} bytes before, ${sent} now)`);
}

/** A small file whole; one byte more is asked for, to notice a file that grew. */
function readWhole(path: string, size: number): Buffer {
  const bytes = Buffer.allocUnsafe(size + 1);
  const fd = openSync(path, 'r');
  let filled = 0;
  try {
    for (let n; filled < bytes.length && (n = readSync(fd, bytes, filled, bytes.length - filled, filled)) > 0;) filled += n;
  } finally {
    closeSync(fd);
  }
  if (filled !== size) throw changedWhileSent(path, size, filled);
  return bytes.subarray(0, size);
}

export async function multipartFiles(paths: readonly string[], onSent: (index: number, bytes: number) => void): Promise<MultipartFiles> {
  const boundary = `stubbuild-${randomBytes(16).toString('hex')}`;
  const sizes = paths.map((path) => statSync(path).size);
  const closing = Buffer.from(`--${boundary}--\r\n`);
  let length = closing.length;
  paths.forEach((path, i) => (length += partHeader(boundary, i, path).length + sizes[i]! + 2));

  async function* parts(): AsyncGenerator<Uint8Array> {
    let gathered: Buffer[] = [];
    let gatheredBytes = 0;
    let gatheredFiles: number[] = [];
    function* flush(): Generator<Uint8Array> {
      if (gathered.length === 0) return;
      const chunk = Buffer.concat(gathered, gatheredBytes);
      const files = gatheredFiles;
      gathered = [];
      gatheredBytes = 0;
      gatheredFiles = [];
      yield chunk;
      for (const i of files) onSent(i, sizes[i]!);
    }
    for (const [i, path] of paths.entries()) {
      const header = partHeader(boundary, i, path);
      const size = sizes[i]!;
      if (size <= SMALL_FILE) {
        gathered.push(header, readWhole(path, size), CRLF);
        gatheredBytes += header.length + size + CRLF.length;
        gatheredFiles.push(i);
        if (gatheredBytes >= CHUNK) yield* flush();
        continue;
      }
      yield* flush();
      yield header;
      let sent = 0;
      for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
        sent += chunk.length;
        yield chunk;
      }
      if (sent !== size) throw changedWhileSent(path, size, sent);
      yield CRLF;
      onSent(i, sent);
    }
    yield* flush();
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
