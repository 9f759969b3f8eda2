// A real apt client with a throwaway configuration, and a loopback static file server for
// it to talk to. Nothing of the machine's apt state is read or written: apt gets its own
// config file (APT_CONFIG, read before /etc/apt), its own sources, lists, cache, keyring
// and an empty dpkg status file, and only ever connects to 127.0.0.1.
import { execFile } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { chmod, copyFile, mkdir, readdir, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, normalize, sep } from 'node:path';
import { makeTempDir, removeTempDir } from './deb-fixtures.ts';

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface AptClientOptions {
  /** Repository base URL (http://127.0.0.1:PORT). */
  url: string;
  suite: string;
  component?: string;
  /** The repository's public key, binary (.gpg) or armored (.asc). */
  keyFile: string;
  arch?: string;
  /** Also add a deb-src line, so update fetches and parses Sources. */
  withSources?: boolean;
}

export interface AptClient {
  root: string;
  /** `apt-get update --error-on=any`. */
  aptUpdate(): Promise<RunResult>;
  /** `apt-get download NAME` into a fresh directory; `files` lists what landed there. */
  aptDownload(name: string): Promise<RunResult & { dir: string; files: string[] }>;
  /** `apt-get source --download-only NAME` into a fresh directory (needs withSources). */
  aptSource(name: string): Promise<RunResult & { dir: string; files: string[] }>;
  close(): Promise<void>;
}

function runApt(args: string[], env: NodeJS.ProcessEnv, cwd: string): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile('apt-get', args, { env, cwd, timeout: 60_000, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

export async function createAptClient(opts: AptClientOptions): Promise<AptClient> {
  const arch = opts.arch ?? 'stubdom-amd64';
  const component = opts.component ?? 'main';
  const url = new URL(opts.url);
  if (url.hostname !== '127.0.0.1') throw new Error('the test apt client only talks to 127.0.0.1');

  const root = await makeTempDir('stubbuild-apt-');
  const dirs = [
    'etc/sources.list.d',
    'etc/apt.conf.d',
    'etc/preferences.d',
    'etc/trusted.gpg.d',
    'etc/auth.conf.d',
    'lists/partial',
    'cache/archives/partial',
    'dpkg',
    'log',
  ];
  for (const d of dirs) await mkdir(join(root, d), { recursive: true });
  await chmod(root, 0o755);
  const keyName = opts.keyFile.endsWith('.asc') ? 'repo-key.asc' : 'repo-key.gpg';
  const keyFile = join(root, 'etc', keyName);
  await copyFile(opts.keyFile, keyFile);
  await chmod(keyFile, 0o644);
  await writeFile(join(root, 'dpkg', 'status'), '');
  await writeFile(
    join(root, 'etc', 'sources.list'),
    `deb [arch=${arch} signed-by=${keyFile}] ${opts.url} ${opts.suite} ${component}\n` +
      (opts.withSources ? `deb-src [signed-by=${keyFile}] ${opts.url} ${opts.suite} ${component}\n` : ''),
  );
  const config = join(root, 'apt.conf');
  const q = (s: string) => JSON.stringify(s);
  await writeFile(
    config,
    [
      `Dir::Etc ${q(join(root, 'etc'))};`,
      `Dir::Etc::main "apt.conf";`,
      `Dir::Etc::parts "apt.conf.d";`,
      `Dir::Etc::sourcelist "sources.list";`,
      `Dir::Etc::sourceparts "sources.list.d";`,
      `Dir::Etc::preferences "preferences";`,
      `Dir::Etc::preferencesparts "preferences.d";`,
      `Dir::Etc::trusted "trusted.gpg";`,
      `Dir::Etc::trustedparts "trusted.gpg.d";`,
      `Dir::Etc::netrc "auth.conf";`,
      `Dir::Etc::netrcparts "auth.conf.d";`,
      `Dir::State ${q(root)};`,
      `Dir::State::Lists ${q(join(root, 'lists'))};`,
      `Dir::State::status ${q(join(root, 'dpkg', 'status'))};`,
      `Dir::State::extended_states ${q(join(root, 'extended_states'))};`,
      `Dir::Cache ${q(join(root, 'cache'))};`,
      `Dir::Cache::archives ${q(join(root, 'cache', 'archives'))};`,
      `Dir::Log ${q(join(root, 'log'))};`,
      `APT::Architecture ${q(arch)};`,
      `APT::Architectures { ${q(arch)}; };`,
      // The tests run as root in a temp dir _apt cannot enter; no privilege drop needed there.
      `APT::Sandbox::User "root";`,
      `Acquire::Languages "none";`,
      `Acquire::Retries "0";`,
      `Acquire::http::Proxy "DIRECT";`,
      `Acquire::http::Pipeline-Depth "0";`,
      '',
    ].join('\n'),
  );
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH ?? '/usr/bin:/bin', APT_CONFIG: config, LC_ALL: 'C.UTF-8' };

  let downloads = 0;
  return {
    root,
    aptUpdate: () => runApt(['update', '--error-on=any'], env, root),
    async aptDownload(name) {
      const dir = join(root, `download-${++downloads}`);
      await mkdir(dir);
      const result = await runApt(['download', name], env, dir);
      return { ...result, dir, files: await readdir(dir) };
    },
    async aptSource(name) {
      const dir = join(root, `download-${++downloads}`);
      await mkdir(dir);
      const result = await runApt(['source', '--download-only', name], env, dir);
      return { ...result, dir, files: (await readdir(dir)).sort() };
    },
    close: () => removeTempDir(root),
  };
}

export interface StaticServer {
  url: string;
  /** Paths requested so far, in order (e.g. to see apt use by-hash). */
  requests: string[];
  close(): Promise<void>;
}

/** Serves `dir` read-only on 127.0.0.1 at a random port; dotfiles are never served. */
export async function serveDirectory(dir: string): Promise<StaticServer> {
  const requests: string[] = [];
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    requests.push(path);
    const file = normalize(join(dir, path));
    const hidden = path.split('/').some((seg) => seg.startsWith('.'));
    if (hidden || (file !== dir && !file.startsWith(dir + sep)) || (req.method !== 'GET' && req.method !== 'HEAD')) {
      res.writeHead(404).end();
      return;
    }
    stat(file).then(
      (info) => {
        if (!info.isFile()) {
          res.writeHead(404).end();
          return;
        }
        res.writeHead(200, { 'content-length': info.size, 'last-modified': info.mtime.toUTCString() });
        if (req.method === 'HEAD') res.end();
        else createReadStream(file).pipe(res);
      },
      () => res.writeHead(404).end(),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}
