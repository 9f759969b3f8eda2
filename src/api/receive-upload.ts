import type { FastifyRequest } from 'fastify';
import { DomainError } from '../domain-error.ts';
import type { SourceStore, StagedFile } from '../jobs/source-store.ts';
import { HttpProblem } from './problem.ts';

// The multipart parser (busboy) reports a body cut short or without its boundary as plain
// Errors; they are the client's fault, not ours.
const MALFORMED_MULTIPART = /unexpected end of multipart data|Boundary not found/i;

export interface UploadLimits {
  maxFileBytes: number;
  maxTotalBytes: number;
}

/**
 * Streams every file part of a multipart request into staging, within the limits. Part
 * names are ignored; field parts are refused. On any error the staged files are removed.
 */
export async function receiveUpload(
  request: FastifyRequest,
  store: SourceStore,
  limits: UploadLimits,
): Promise<StagedFile[]> {
  return (await receiveUploadWithFields(request, store, limits, [])).files;
}

/** Like receiveUpload, but text fields named in `fieldNames` are taken (once each, up to 64 KiB). */
export async function receiveUploadWithFields(
  request: FastifyRequest,
  store: SourceStore,
  limits: UploadLimits,
  fieldNames: readonly string[],
): Promise<{ files: StagedFile[]; fields: Record<string, string> }> {
  const staged: StagedFile[] = [];
  const fields: Record<string, string> = {};
  let total = 0;
  try {
    // One field more than named: a stray field reaches the loop below and is refused by name
    // (400), instead of tripping the parser's count limit (413).
    const options = { limits: { fields: fieldNames.length + 1, fieldSize: 64 * 1024 } };
    for await (const part of request.parts(options)) {
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
      const file = await store.stage(part.filename, part.file, budget).catch((error: unknown) => {
        if (error instanceof DomainError && error.code === 'too-large' && budget < limits.maxFileBytes) {
          throw new DomainError('too-large', `the upload is larger than the limit of ${limits.maxTotalBytes} bytes`);
        }
        throw error;
      });
      staged.push(file);
      // The parser cuts a file at MAX_UPLOAD_FILE_BYTES (its own error would come later and
      // without the name): say which file it was.
      if (part.file.truncated) {
        throw new DomainError('too-large', `${part.filename} is larger than the limit of ${limits.maxFileBytes} bytes`, {
          file: part.filename,
        });
      }
      total += file.size;
    }
  } catch (error) {
    await store.discard(staged);
    if (error instanceof Error && !(error instanceof DomainError) && MALFORMED_MULTIPART.test(error.message)) {
      throw new HttpProblem(400, 'malformed-multipart', `the multipart body is malformed or truncated: ${error.message}`);
    }
    throw error;
  }
  return { files: staged, fields };
}
