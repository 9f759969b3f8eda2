import multipart, { type Multipart } from '@fastify/multipart';
import type {
  FastifyBaseLogger,
  FastifyInstance,
  FastifyRequest,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault,
} from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { DomainError } from '../domain-error.ts';
import type { HeldBytes } from '../jobs/memory-budget.ts';
import type { SourceStore, StagedFile } from '../jobs/source-store.ts';
import { HttpProblem } from './problem.ts';
import type { UploadGate, UploadTicket } from './upload-gate.ts';
import { type UploadRate, UploadRateWatchdog } from './upload-rate.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** Held while the request's upload is staged; released when the answer is sent (app.ts). */
    uploadTicket?: UploadTicket;
  }
}

// The multipart parser (busboy) reports a body cut short or without its boundary as plain
// Errors; they are the client's fault, not ours.
const MALFORMED_MULTIPART = /unexpected end of multipart data|Boundary not found/i;

// Small parts the store writes (no taker) are read into memory and written to staging while the
// next ones arrive; at most this many such writes are out at once.
const WRITES_IN_FLIGHT = 32;

export interface UploadLimits {
  maxFileBytes: number;
  maxTotalBytes: number;
  /** Files (parts) in one request. */
  maxFiles: number;
  /** Uploads at once per token and staging bytes overall (omitted: unbounded, for tools). */
  gate?: UploadGate;
  /** The slowest upload the service waits for (omitted: no minimum). */
  rate?: UploadRate;
}

/** A Fastify scope whose routes are typed by their zod schemas. */
export type ZodScope = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  ZodTypeProvider
>;

/**
 * Registers `routes` in a scope of their own with the multipart parser: its per-request hooks
 * (an `onRequest` with a `close` listener, an `onResponse`) then run only for the upload
 * routes, not for every read, and other routes refuse multipart (415).
 */
export async function withMultipart(app: FastifyInstance, limits: UploadLimits, routes: (uploads: ZodScope) => void): Promise<void> {
  await app.register(async (scope) => {
    await scope.register(multipart, {
      // File names reach the intake as sent: a name with a path is refused by name (findDsc),
      // rather than silently cut to its last component by the parser.
      preservePath: true,
      limits: { fileSize: limits.maxFileBytes, files: limits.maxFiles, fields: 0, parts: limits.maxFiles, headerPairs: 100 },
    });
    routes(scope.withTypeProvider<ZodTypeProvider>());
  });
}

/**
 * Takes each file part as it is read, with its place among the files. Must not throw. A small
 * part is handed over in memory, in the order of the request: the taker then has its bytes
 * written to `file.tmpPath` (or not: it removes what it wrote) and releases them. A part on
 * disk is handed over once it is there (not in order); removing it is the receiver's part.
 */
export interface PartTaker {
  held(file: StagedFile, held: HeldBytes, index: number): void;
  staged(file: StagedFile, index: number): void;
}

/**
 * The parser keeps every part of the request in `part.fields` (by field name) until the request
 * ends: with thousands of parts, their streams and closures pile up on the heap and cost the
 * collector more than receiving them did. Each part is taken out as it is read; it is the last
 * added under its name.
 */
function forgetPart(part: Multipart): void {
  const kept = part.fields[part.fieldname];
  if (kept === part) delete part.fields[part.fieldname];
  else if (Array.isArray(kept) && kept.at(-1) === part) kept.pop();
}

/**
 * Streams every file part of a multipart request into staging, within the limits. Part
 * names are ignored; field parts are refused. On any error the staged files are removed.
 */
export async function receiveUpload(
  request: FastifyRequest,
  store: SourceStore,
  limits: UploadLimits,
  taker?: PartTaker,
): Promise<StagedFile[]> {
  return (await receiveUploadWithFields(request, store, limits, [], taker)).files;
}

/** Like receiveUpload, but text fields named in `fieldNames` are taken (once each, up to 64 KiB). */
export async function receiveUploadWithFields(
  request: FastifyRequest,
  store: SourceStore,
  limits: UploadLimits,
  fieldNames: readonly string[],
  taker?: PartTaker,
): Promise<{ files: StagedFile[]; fields: Record<string, string> }> {
  const files: StagedFile[] = [];
  // Files written by the store, not handed over in memory: removed here after an error.
  const stored: { file: StagedFile; written: Promise<StagedFile> }[] = [];
  let writing = 0;
  let written: () => void = () => undefined;
  const fields: Record<string, string> = {};
  let total = 0;
  if (limits.gate && request.token) request.uploadTicket = limits.gate.enter(request.token.id);
  const ticket = request.uploadTicket;
  const watchdog = limits.rate && request.raw.socket ? new UploadRateWatchdog(request.raw.socket, limits.rate) : undefined;
  try {
    // One field more than named: a stray field reaches the loop below and is refused by name
    // (400), instead of tripping the parser's count limit (413).
    const options = { limits: { fields: fieldNames.length + 1, fieldSize: 64 * 1024 } };
    const parts = request.parts(options)[Symbol.asyncIterator]();
    for (;;) {
      // A client that stops sending between parts is caught here, one inside a part below.
      const next = watchdog ? await watchdog.guard(parts.next()) : await parts.next();
      if (next.done) break;
      const part = next.value;
      forgetPart(part);
      if (part.type !== 'file') {
        if (!fieldNames.includes(part.fieldname) || part.fieldname in fields) {
          const allowed = fieldNames.length > 0 ? `; besides files, only ${fieldNames.join(', ')}` : ': send only files';
          throw new DomainError('invalid-input', `unexpected form field "${part.fieldname}"${allowed}`);
        }
        if (part.valueTruncated) throw new DomainError('too-large', `the form field "${part.fieldname}" is larger than 64 KiB`);
        fields[part.fieldname] = String(part.value);
        continue;
      }
      const budget = Math.min(limits.maxFileBytes, limits.maxTotalBytes - total);
      if (watchdog) watchdog.current = part.file;
      if (writing >= WRITES_IN_FLIGHT) await new Promise<void>((resolve) => (written = resolve));
      const arrived = await store
        .receive(part.filename, part.file, budget, ticket && ((n) => ticket.reserve(n)), taker !== undefined)
        .catch((error: unknown) => {
          if (error instanceof DomainError && error.code === 'too-large' && budget < limits.maxFileBytes) {
            throw new DomainError('too-large', `the upload is larger than the limit of ${limits.maxTotalBytes} bytes`);
          }
          throw error;
        });
      const { file } = arrived;
      const index = files.push(file) - 1;
      // The parser cuts a file at MAX_UPLOAD_FILE_BYTES (its own error would come later and
      // without the name): say which file it was.
      if (part.file.truncated) {
        arrived.held?.release();
        if (arrived.written) stored.push({ file, written: arrived.written });
        throw new DomainError('too-large', `${part.filename} is larger than the limit of ${limits.maxFileBytes} bytes`, {
          file: part.filename,
        });
      }
      if (arrived.held) {
        taker!.held(file, arrived.held, index);
      } else {
        stored.push({ file, written: arrived.written });
        writing += 1;
        arrived.written.then(
          (file) => ((writing -= 1), written(), taker?.staged(file, index)),
          () => ((writing -= 1), written()),
        );
      }
      total += file.size;
    }
    // Every part has been read; a write that failed refuses the upload like any other error.
    for (const outcome of await Promise.allSettled(stored.map((r) => r.written))) {
      if (outcome.status === 'rejected') throw outcome.reason;
    }
  } catch (error) {
    watchdog?.stop();
    // Writes still out would otherwise create a file after it was removed.
    await Promise.allSettled(stored.map((r) => r.written));
    await store.discard(stored.map((r) => r.file));
    if (error instanceof Error && !(error instanceof DomainError) && MALFORMED_MULTIPART.test(error.message)) {
      throw new HttpProblem(400, 'malformed-multipart', `the multipart body is malformed or truncated: ${error.message}`);
    }
    throw error;
  }
  watchdog?.stop();
  return { files, fields };
}
