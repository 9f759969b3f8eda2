// A Debian source archive in a temporary folder, indexed by Debian's own dpkg-scansources and
// served over HTTP on 127.0.0.1, for the archive fetcher's tests.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import type { SourcePackage } from './source-package.ts';

export interface LocalArchive {
  root: string;
  /** pool/main/<initial>/<source>/<file> of a file put into the pool. */
  poolPath(source: string, file: string): string;
  cleanup(): void;
}

function sha256(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Copies source packages into pool/main/… (as dak lays them out). */
export function createLocalArchive(packages: { source: string; pkg: SourcePackage }[]): LocalArchive {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'stubbuild-archive-'));
  const poolDir = (source: string) => path.join('pool', 'main', source.startsWith('lib') ? source.slice(0, 4) : source[0]!, source);
  for (const { source, pkg } of packages) {
    const dir = path.join(root, poolDir(source));
    fs.mkdirSync(dir, { recursive: true });
    for (const file of pkg.files) fs.writeFileSync(path.join(dir, file.name), file.content);
  }
  return {
    root,
    poolPath: (source, file) => path.join(root, poolDir(source), file),
    cleanup: () => fs.rmSync(root, { recursive: true, force: true }),
  };
}

/** `dpkg-scansources pool`, run in the archive root: the Sources index of everything in the pool. */
export function scanSources(archive: LocalArchive): string {
  return execFileSync('dpkg-scansources', ['pool', '/dev/null'], {
    cwd: archive.root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/**
 * Writes dists/<suite>/: main/source/Sources(.xz, .gz), and InRelease listing their SHA-256,
 * clear-signed by `sign` (which may also corrupt it, for the tests of bad signatures).
 */
export async function writeSuite(
  archive: LocalArchive,
  suite: string,
  sources: string,
  sign: (release: string) => Promise<string>,
  extraFields: Record<string, string> = {},
): Promise<void> {
  const dir = path.join(archive.root, 'dists', suite);
  const sourceDir = path.join(dir, 'main', 'source');
  fs.mkdirSync(sourceDir, { recursive: true });
  const plain = Buffer.from(sources);
  const files: [string, Buffer][] = [
    ['main/source/Sources', plain],
    ['main/source/Sources.xz', execFileSync('xz', ['-c'], { input: plain })],
    ['main/source/Sources.gz', gzipSync(plain)],
  ];
  for (const [name, data] of files) fs.writeFileSync(path.join(dir, name), data);
  const fields: Record<string, string> = {
    Origin: 'stubbuild-test',
    Label: 'stubbuild-test',
    Suite: suite,
    Codename: suite,
    Date: new Date().toUTCString().replace('GMT', 'UTC'),
    Architectures: 'source',
    Components: 'main',
    ...extraFields,
  };
  const release =
    Object.entries(fields)
      .map(([k, v]) => `${k}: ${v}\n`)
      .join('') +
    'SHA256:\n' +
    files.map(([name, data]) => ` ${sha256(data)} ${String(data.length).padStart(8)} ${name}\n`).join('');
  fs.writeFileSync(path.join(dir, 'Release'), release);
  fs.writeFileSync(path.join(dir, 'InRelease'), await sign(release));
}

export interface ArchiveRequest {
  path: string;
  status: number;
  /** The request carried If-None-Match or If-Modified-Since. */
  conditional: boolean;
}

export interface ArchiveServer {
  url: string;
  requests: ArchiveRequest[];
  /** Answer the next N requests for a path with 503. */
  failNext(urlPath: string, times: number): void;
  /** Send the headers for a path and then nothing, the next N times. */
  stallNext(urlPath: string, times: number): void;
  close(): Promise<void>;
}

/** Serves the archive read-only with ETag/Last-Modified and 304s, as a Debian mirror does. */
export async function serveArchive(root: string): Promise<ArchiveServer> {
  const requests: ArchiveRequest[] = [];
  const failures = new Map<string, number>();
  const stalls = new Map<string, number>();
  const stalled: ServerResponse[] = [];
  const take = (map: Map<string, number>, key: string) => {
    const left = map.get(key) ?? 0;
    if (left > 0) map.set(key, left - 1);
    return left > 0;
  };
  const server = createServer((req, res) => {
    const urlPath = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    const conditional = req.headers['if-none-match'] !== undefined || req.headers['if-modified-since'] !== undefined;
    const answer = (status: number, headers: Record<string, string | number> = {}) => {
      requests.push({ path: urlPath, status, conditional });
      res.writeHead(status, headers);
    };
    const file = path.join(root, urlPath);
    if (!file.startsWith(root + path.sep) || req.method !== 'GET') {
      answer(404);
      res.end();
      return;
    }
    if (take(failures, urlPath)) {
      answer(503);
      res.end('try again later');
      return;
    }
    fs.stat(file, (error, info) => {
      if (error || !info.isFile()) {
        answer(404);
        res.end();
        return;
      }
      const etag = `"${info.size.toString(16)}-${Math.floor(info.mtimeMs).toString(16)}"`;
      const lastModified = info.mtime.toUTCString();
      if (req.headers['if-none-match'] === etag) {
        answer(304, { etag, 'last-modified': lastModified });
        res.end();
        return;
      }
      answer(200, { 'content-length': info.size, etag, 'last-modified': lastModified });
      if (take(stalls, urlPath)) {
        res.flushHeaders();
        stalled.push(res);
        return;
      }
      fs.createReadStream(file).pipe(res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    failNext: (urlPath, times) => failures.set(urlPath, times),
    stallNext: (urlPath, times) => stalls.set(urlPath, times),
    close: () =>
      new Promise((resolve, reject) => {
        for (const res of stalled) res.destroy();
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
