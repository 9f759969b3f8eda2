// What `stubbuild submit` and `batch` send: a .dsc file with the files it lists (an upload),
// or `source[=version]` (an archive reference). The Idempotency-Key defaults to a hash of
// the request's content and suite, so a CI job run again finds the job it made the first time.
import { createHash } from 'node:crypto';
import { openAsBlob } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { parseDsc } from '../../debian/dsc.ts';
import { DebianParseError } from '../../debian/parse-error.ts';
import { CliError } from '../cli-error.ts';

export type Submission =
  | { kind: 'upload'; dsc: string; files: { name: string; path: string }[]; dscText: string }
  | { kind: 'reference'; source: string; version?: string | undefined };

const REFERENCE = /^([a-z0-9][a-z0-9+.-]+)(?:=(\S+))?$/;

export async function readSubmission(argument: string): Promise<Submission> {
  if (argument.endsWith('.dsc')) {
    let text: string;
    try {
      text = await fs.readFile(argument, 'utf8');
    } catch (error) {
      throw new CliError(
        `${argument}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}`,
        2,
      );
    }
    let listed: string[];
    try {
      listed = parseDsc(text).files.map((f) => f.name);
    } catch (error) {
      if (error instanceof DebianParseError) throw new CliError(`${argument}: ${error.message}`, 2);
      throw error;
    }
    const dir = path.dirname(argument);
    const files = [{ name: path.basename(argument), path: argument }, ...listed.map((name) => ({ name, path: path.join(dir, name) }))];
    for (const file of files) {
      await fs.access(file.path).catch(() => {
        throw new CliError(`${file.path}: listed in ${path.basename(argument)} but not found beside it`, 2);
      });
    }
    return { kind: 'upload', dsc: argument, files, dscText: text };
  }
  const match = REFERENCE.exec(argument);
  if (!match) throw new CliError(`${argument}: neither a .dsc file nor a source package name (source or source=version)`, 2);
  return { kind: 'reference', source: match[1]!, version: match[2] };
}

/** The default Idempotency-Key: the same request (content and suite) gives the same key. */
export function contentKey(submissions: readonly Submission[], suite: string | undefined): string {
  const hash = createHash('sha256').update(`stubbuild-cli\0${suite ?? ''}`);
  for (const s of submissions) {
    // A .dsc names every file with its SHA-256: its text stands for the whole upload.
    if (s.kind === 'upload') hash.update(`\0upload\0${s.dscText}`);
    else hash.update(`\0reference\0${s.source}\0${s.version ?? ''}`);
  }
  return `cli-${hash.digest('hex')}`;
}

export function referenceBody(s: Extract<Submission, { kind: 'reference' }>, suite: string | undefined) {
  return { source: s.source, ...(s.version ? { version: s.version } : {}), ...(suite ? { suite } : {}) };
}

/** The multipart form of uploads (each file a part named by its file name, streamed from disk). */
export async function uploadForm(uploads: readonly Extract<Submission, { kind: 'upload' }>[]): Promise<FormData> {
  const form = new FormData();
  let n = 0;
  for (const upload of uploads) {
    for (const file of upload.files) form.append(`file${n++}`, await openAsBlob(file.path), file.name);
  }
  return form;
}
