// Real service processes building for real on Docker, but quickly: an image FROM the builder
// image whose stubbuild-build turns a .dsc into a one-file .deb in a fraction of a second, an
// architecture profile that names it, tiny generated source packages, and `stubbuild serve`
// spawned as a child process. For tests and benchmarks of the scheduler, not of building.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ensureBuilderImage, repoRoot } from '../builder-image.support.ts';
import { freePort } from './free-port.ts';
import { waitFor } from './wait-for.ts';

const QUICK_BUILD = `#!/bin/sh
# stubbuild-build's contract (deps, then build; /out/outcome.json) with no toolchain: the
# build waits QUICK_SECONDS, then packs the source name and version into a one-file .deb.
# A .dsc may ask for X-Quick-Seconds (whole seconds, a line printed each) and X-Quick-Fail.
set -eu
case "\${1:-}" in stubbuild-build|/usr/bin/stubbuild-build) shift ;; esac
case "\${1:-}" in
deps)
  cp /srv/source/*.dsc /work/
  echo "quick-build: deps done"
  ;;
build)
  dsc=$(ls /work/*.dsc | head -n 1)
  src=$(sed -n 's/^Source: //p' "$dsc")
  ver=$(sed -n 's/^Version: //p' "$dsc")
  secs=$(sed -n 's/^X-Quick-Seconds: //p' "$dsc")
  echo "quick-build: building $src $ver"
  if [ -n "$secs" ]; then
    i=1
    while [ "$i" -le "$secs" ]; do sleep 1; echo "quick-build: $src second $i of $secs"; i=$((i + 1)); done
  else
    sleep "$(cat /etc/quick-seconds)"
  fi
  if [ -n "$(sed -n 's/^X-Quick-Fail: //p' "$dsc")" ]; then
    echo "quick.c:1:1: error: $src is meant to fail"
    printf '{"schema":1,"outcome":"failed","reason":"build-error","message":"quick build of %s failed on purpose","provenance":null}\\n' "$src" > /out/outcome.json
    exit 1
  fi
  root=$(mktemp -d)
  mkdir -p "$root/DEBIAN" "$root/usr/share/doc/$src"
  printf 'Package: %s\\nVersion: %s\\nArchitecture: stubdom-amd64\\nMaintainer: Test <test@example.org>\\nDescription: quick scheduler test package\\n' "$src" "$ver" > "$root/DEBIAN/control"
  echo "$src $ver" > "$root/usr/share/doc/$src/README"
  dpkg-deb --root-owner-group -Zgzip --build "$root" "/out/\${src}_\${ver}_stubdom-amd64.deb" > /dev/null
  printf '{"schema":1,"outcome":"built","source":{"package":"%s","version":"%s"},"provenance":{"imageId":null,"recipeHash":null,"toolchain":{},"port":null}}\\n' "$src" "$ver" > /out/outcome.json
  echo "quick-build: outcome: built"
  ;;
*) echo "quick-build: unknown phase \${1:-}" >&2; exit 2 ;;
esac
`;

export interface QuickImage {
  tag: string;
  /** An ARCHES_DIR whose stubdom-amd64 profile runs the quick image. */
  archesDir: string;
}

/** The quick image (built once per script and base image, then reused) and its profile. */
export async function ensureQuickImage(buildSeconds = 0.5): Promise<QuickImage> {
  const base = await ensureBuilderImage();
  const hash = createHash('sha256').update(QUICK_BUILD).update(base.id).update(String(buildSeconds)).digest('hex').slice(0, 12);
  const tag = `stubbuild-quick/stubdom-amd64:${hash}`;
  const present = (() => {
    try {
      execFileSync('docker', ['image', 'inspect', tag], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  })();
  if (!present) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stubbuild-quick-image-'));
    try {
      fs.writeFileSync(path.join(dir, 'stubbuild-build'), QUICK_BUILD, { mode: 0o755 });
      fs.writeFileSync(path.join(dir, 'quick-seconds'), `${buildSeconds}\n`);
      fs.writeFileSync(
        path.join(dir, 'Dockerfile'),
        `FROM ${base.id}\nCOPY stubbuild-build /usr/bin/stubbuild-build\nCOPY quick-seconds /etc/quick-seconds\n`,
      );
      execFileSync('docker', ['build', '-q', '-t', tag, dir], { stdio: 'ignore' });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
  const archesDir = fs.mkdtempSync(path.join(os.tmpdir(), 'stubbuild-quick-arches-'));
  const profile = JSON.parse(fs.readFileSync(path.join(repoRoot, 'arches/stubdom-amd64.json'), 'utf8')) as Record<string, unknown>;
  fs.writeFileSync(path.join(archesDir, 'stubdom-amd64.json'), JSON.stringify({ ...profile, image: tag }, null, 2));
  return { tag, archesDir };
}

export interface QuickOptions {
  /** The build runs this many whole seconds, printing a line each. */
  seconds?: number;
  /** The build fails (build-error) after printing a compiler's error. */
  fail?: boolean;
}

/** A tiny source package named `name` (1.0, native): its .dsc and the one file it lists. */
export function quickSource(name: string, options: QuickOptions = {}): { name: string; content: Buffer }[] {
  const tarball = { name: `${name}_1.0.tar.xz`, content: Buffer.concat([Buffer.from(`${name}\n`), randomBytes(16)]) };
  const sha256 = createHash('sha256').update(tarball.content).digest('hex');
  const dsc =
    `Format: 3.0 (native)\nSource: ${name}\nBinary: ${name}\nArchitecture: any\nVersion: 1.0\n` +
    `Maintainer: Test <test@example.org>\nStandards-Version: 4.6.2\n` +
    (options.seconds !== undefined ? `X-Quick-Seconds: ${Math.round(options.seconds)}\n` : '') +
    (options.fail ? 'X-Quick-Fail: yes\n' : '') +
    `Checksums-Sha256:\n ${sha256} ${tarball.content.length} ${tarball.name}\n`;
  return [{ name: `${name}_1.0.dsc`, content: Buffer.from(dsc) }, tarball];
}

/** POST /v1/jobs over HTTP with a quick source; the job's id. */
export async function uploadQuick(url: string, token: string, name: string, options: QuickOptions = {}): Promise<number> {
  const form = new FormData();
  quickSource(name, options).forEach((file, i) => form.append(`file${i}`, new Blob([new Uint8Array(file.content)]), file.name));
  const res = await fetch(`${url}/v1/jobs`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: form });
  const body = (await res.json()) as { id?: number };
  if (res.status !== 202 || typeof body.id !== 'number')
    throw new Error(`upload of ${name} answered ${res.status}: ${JSON.stringify(body)}`);
  return body.id;
}

export interface ServiceProcess {
  child: ChildProcess;
  pid: number;
  url: string;
  /** Everything it logged so far (pino JSON lines). */
  log(): string;
  exited: Promise<number | null>;
}

/** Spawns `stubbuild serve` and waits until it listens and its scheduler has started. */
export async function spawnService(env: Record<string, string>, logFile: string): Promise<ServiceProcess> {
  const port = await freePort();
  const out = fs.openSync(logFile, 'a');
  const child = spawn(process.execPath, [path.join(repoRoot, 'bin/stubbuild.js'), 'serve'], {
    cwd: repoRoot,
    env: { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', out, out],
  });
  fs.closeSync(out);
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const service: ServiceProcess = {
    child,
    pid: child.pid!,
    url: `http://127.0.0.1:${port}`,
    log: () => fs.readFileSync(logFile, 'utf8'),
    exited,
  };
  let gone = false;
  void exited.then(() => (gone = true));
  try {
    // What it logs while starting (migrations, the repository, the engines) is its progress.
    await waitFor(
      'stubbuild serve to start its scheduler',
      () => {
        if (gone) throw new Error(`stubbuild serve exited before it was ready:\n${service.log().slice(-3000)}`);
        return service.log().includes('"msg":"scheduler started"');
      },
      { progress: () => service.log().length, stallMs: 90_000, intervalMs: 100, explain: () => service.log().slice(-3000) },
    );
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  return service;
}
