// The first step of adding packages: every .deb inspected (on the filing threads when there are
// many) and linked into the pool as it comes back (a bulk upload's, while it arrived), every source package checked against its
// .dsc. A refusal names the package's place in the request.
import { readFile, stat } from 'node:fs/promises';
import { mapLimited } from '../../map-limited.ts';
import { hashFile } from '../../stream-hash.ts';
import { parseDeb822, splitClearsigned } from '../../debian/deb822.ts';
import { parseDsc } from '../../debian/dsc.ts';
import { checkUploadFileName } from '../../debian/file-name.ts';
import { DebianParseError } from '../../debian/parse-error.ts';
import type { PoolChanges } from '../pool/pool-changes.ts';
import { poolDirectory } from '../pool/pool-path.ts';
import { formatSourcesStanza } from '../publish/packages-index.ts';
import { RepoError } from '../repo-error.ts';
import type { Repository } from '../repository.ts';
import type { AddPackagesInput, FiledEarly, SourceInput } from './add-packages.ts';
import { PrepareFailure } from './filing-threads.ts';
import { NotInspected } from './not-inspected.ts';
import type { AddOutcome, DebCandidate, SourceCandidate } from './outcomes.ts';
import { prepareDeb, type PrepareDebOptions } from './prepare-deb.ts';

const MAX_CONTROL_BYTES = 1024 * 1024;
const MAX_DSC_BYTES = 1024 * 1024;
const INSPECT_CONCURRENCY = 8;
// Up to this many packages are prepared and linked in place; more go to the filing threads.
export const FILE_IN_PLACE_UP_TO = 32;

/** A function that yields to the event loop when more than `sliceMs` passed since it last did. */
function yielder(sliceMs = 10): () => Promise<void> {
  let last = performance.now();
  return async () => {
    if (performance.now() - last < sliceMs) return;
    await new Promise((resolve) => setImmediate(resolve));
    last = performance.now();
  };
}

/** "package 2 of 3: …" when there are several, so the refusal says which one. */
function labelled(err: unknown, what: string, index: number, count: number): unknown {
  if (!(err instanceof RepoError) || count < 2) return err;
  return new RepoError(err.code, `${what} ${index + 1} of ${count}: ${err.message}`, { cause: err });
}

/** What every .deb of the repository is checked against. */
export function debInspectionOptions(repo: Repository): PrepareDebOptions {
  const { architectures, component, maxUnpackedBytes } = repo.settings;
  return {
    component,
    allowedArchitectures: [...architectures, 'all'],
    maxControlBytes: MAX_CONTROL_BYTES,
    maxUncompressedBytes: maxUnpackedBytes,
  };
}

/**
 * Inspects every .deb (on the filing threads when there are many) and links each into the pool;
 * a bulk upload's were filed while it arrived (early-filing.ts), and are only awaited here.
 */
export async function inspectDebs(repo: Repository, debs: AddPackagesInput['debs'], changes: PoolChanges): Promise<DebCandidate[]> {
  const options = debInspectionOptions(repo);
  const paths = debs.map((d) => d.path);
  const fileInPlace = async (path: string): Promise<FiledEarly> => {
    const p = await prepareDeb(path, options);
    return { ...p, placed: changes.link(path, p.poolPath, p.info.file) };
  };
  let filed: FiledEarly[];
  if (debs.length > 0 && debs.every((d) => d.filed)) {
    // The lowest refused index wins. A package passed over after a refusal may come before
    // the refused one (parts land out of order): read it here.
    filed = [];
    for (const [i, d] of debs.entries()) {
      try {
        filed.push(
          await d.filed!.catch(async (err: unknown) => {
            if (!(err instanceof NotInspected)) throw err;
            await err.writeToDisk?.();
            return fileInPlace(d.path);
          }),
        );
      } catch (err) {
        throw labelled(err, 'package', i, paths.length);
      }
    }
  } else if (paths.length > FILE_IN_PLACE_UP_TO) {
    filed = new Array(paths.length);
    try {
      await repo.filing.prepareAll(paths, options, (p, i) => {
        filed[i] = { ...p, placed: changes.link(paths[i]!, p.poolPath, p.info.file) };
      });
    } catch (err) {
      throw err instanceof PrepareFailure ? labelled(err.error, 'package', err.index, paths.length) : err;
    }
  } else {
    const yieldNow = yielder();
    filed = await mapLimited(paths, INSPECT_CONCURRENCY, async (path, i) => {
      try {
        // Small packages are inspected without leaving this thread; let requests through now and then.
        await yieldNow();
        return await fileInPlace(path);
      } catch (err) {
        throw labelled(err, 'package', i, paths.length);
      }
    });
  }
  return filed.map((f, i) => ({ path: paths[i]!, ...f, outcome: 'added' as AddOutcome, replaces: [] }));
}

async function inspectSource(repo: Repository, input: SourceInput): Promise<SourceCandidate> {
  const info = await stat(input.dsc.path);
  if (info.size > MAX_DSC_BYTES) throw new RepoError('too-large', `the .dsc is ${info.size} bytes, more than ${MAX_DSC_BYTES}`);
  const text = await readFile(input.dsc.path, 'utf8');
  let dsc;
  let paragraph;
  try {
    dsc = parseDsc(text);
    paragraph = parseDeb822(splitClearsigned(text).body)[0]!;
  } catch (err) {
    if (err instanceof DebianParseError) throw new RepoError('bad-dsc', `the .dsc is not valid: ${err.message}`, { cause: err });
    throw err;
  }
  const unsafe = checkUploadFileName(input.dsc.name);
  if (unsafe !== undefined || !input.dsc.name.endsWith('.dsc')) {
    throw new RepoError('bad-name', `${JSON.stringify(input.dsc.name)} cannot name a .dsc in the pool${unsafe ? `: ${unsafe}` : ''}`);
  }
  const directory = poolDirectory(repo.settings.component, dsc.source).replace(/\/$/, '');
  const dscSums = await hashFile(input.dsc.path, ['sha256', 'md5']);
  const files = [{ poolPath: `${directory}/${input.dsc.name}`, path: input.dsc.path, sha256: dscSums.sha256 }];
  const given = new Map(input.files.map((f) => [f.name, f.path]));
  for (const listed of dsc.files) {
    const path = given.get(listed.name);
    if (path === undefined) throw new RepoError('bad-dsc', `the .dsc lists ${listed.name}, which was not given`);
    const sums = await hashFile(path, ['sha256']);
    if (sums.sha256 !== listed.sha256 || sums.size !== listed.size) {
      throw new RepoError(
        'bad-dsc',
        `${listed.name} does not match the .dsc (SHA-256 ${sums.sha256}, ${sums.size} bytes; the .dsc says ${listed.sha256}, ${listed.size} bytes)`,
      );
    }
    files.push({ poolPath: `${directory}/${listed.name}`, path, sha256: sums.sha256 });
  }
  const stanza = formatSourcesStanza(paragraph, {
    directory,
    dscFile: { name: input.dsc.name, size: dscSums.size, sha256: dscSums.sha256, md5: dscSums.md5 },
  });
  return { name: dsc.source, version: dsc.version, directory, stanza, files, outcome: 'added', replaces: [] };
}

/** Checks every source package (a few at a time) and makes its pool directory. */
export async function inspectSources(repo: Repository, inputs: SourceInput[], changes: PoolChanges): Promise<SourceCandidate[]> {
  return mapLimited(inputs, 4, async (s, i) => {
    try {
      const candidate = await inspectSource(repo, s);
      changes.makeDirectory(candidate.directory);
      return candidate;
    } catch (err) {
      throw labelled(err, 'source package', i, inputs.length);
    }
  });
}
