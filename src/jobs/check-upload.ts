import type { ArchTable } from '../debian/architecture.ts';
import { type Dsc, parseDsc } from '../debian/dsc.ts';
import { checkUploadFileName } from '../debian/file-name.ts';
import { DebianParseError } from '../debian/parse-error.ts';
import { DomainError } from '../domain-error.ts';

export interface UploadedFile {
  name: string;
  sha256: string;
  sha1?: string;
  md5?: string;
  size: number;
}

/** The one .dsc of an upload, by file name; refuses unsafe or repeated names first. */
export function findDsc<F extends UploadedFile>(files: readonly F[]): F {
  const seen = new Set<string>();
  for (const file of files) {
    const problem = checkUploadFileName(file.name);
    if (problem) throw new DomainError('invalid-source', `file name ${JSON.stringify(file.name)}: ${problem}`, { file: file.name });
    if (seen.has(file.name)) throw new DomainError('invalid-source', `${file.name} is uploaded twice`, { file: file.name });
    seen.add(file.name);
  }
  const dscs = files.filter((f) => f.name.endsWith('.dsc'));
  if (dscs.length !== 1) {
    throw new DomainError(
      'invalid-source',
      dscs.length === 0 ? 'the upload has no .dsc file' : `the upload has ${dscs.length} .dsc files; send one source package`,
    );
  }
  return dscs[0]!;
}

/**
 * Checks an upload against its .dsc: every listed file present with its size and every
 * checksum the .dsc lists (SHA-256, and SHA-1 and MD5 when given),
 * nothing extra, nothing empty, and an Architecture that can build for the job's architecture.
 */
export function checkUpload(dscText: string, files: readonly UploadedFile[], host: { arch: string; table: ArchTable }): Dsc {
  const dscFile = findDsc(files);
  let dsc: Dsc;
  try {
    dsc = parseDsc(dscText);
  } catch (error) {
    if (error instanceof DebianParseError) {
      throw new DomainError('invalid-source', `${dscFile.name}: ${error.message}`, { file: dscFile.name });
    }
    throw error;
  }
  const uploaded = new Map(files.map((f) => [f.name, f]));
  for (const listed of dsc.files) {
    const file = uploaded.get(listed.name);
    if (!file) throw new DomainError('invalid-source', `${listed.name} is listed in the .dsc but not uploaded`, { file: listed.name });
    if (file.size !== listed.size) {
      throw new DomainError('invalid-source', `${listed.name} has ${file.size} bytes; the .dsc says ${listed.size}`, { file: listed.name });
    }
    // Every checksum the .dsc lists must hold: tools that trust the MD5 or SHA-1 see the same file.
    for (const [key, label] of [
      ['sha256', 'SHA-256'],
      ['sha1', 'SHA-1'],
      ['md5', 'MD5'],
    ] as const) {
      const expected = listed[key];
      if (expected !== undefined && file[key] !== expected) {
        throw new DomainError('invalid-source', `${listed.name} does not match its ${label} in the .dsc`, { file: listed.name });
      }
    }
  }
  const listedNames = new Set(dsc.files.map((f) => f.name));
  for (const file of files) {
    if (file !== dscFile && !listedNames.has(file.name)) {
      throw new DomainError('invalid-source', `${file.name} is not listed in the .dsc`, { file: file.name });
    }
    if (file.size === 0) throw new DomainError('invalid-source', `${file.name} is empty`, { file: file.name });
  }
  if (!host.table.archListAllows(dsc.architectures, host.arch)) {
    throw new DomainError('unsupported-architecture', `${dsc.source} builds only for ${dsc.architectures.join(' ')}, not ${host.arch}`, {
      allowed: dsc.architectures,
    });
  }
  return dsc;
}
