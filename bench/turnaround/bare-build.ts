// The yardstick: the same image doing the same `dpkg-buildpackage -a <arch>` under a bare
// `docker run`, with everything the build needs already in place. A container of the image
// runs `stubbuild-build all` once (untimed: build-dependencies installed, the source unpacked
// and prepared as the service's build does it) and is committed; each timed run is then
// `docker run --rm --network none` of that image as the build user, in the prepared tree
// (dpkg-buildpackage cleans it first, as it does a fresh one), within the profile's limits.
import { spawn } from 'node:child_process';
import os from 'node:os';
import Docker from 'dockerode';
import tar from 'tar-stream';
import type { ArchProfile } from '../../src/builders/arch-profile.ts';

const TREE = '/work/build/tree';

export interface BareBuild {
  /** One timed `docker run` of dpkg-buildpackage; its wall time in milliseconds. */
  run(): Promise<number>;
  remove(): Promise<void>;
}

export async function prepareBareBuild(
  docker: Docker,
  options: {
    image: string;
    profile: ArchProfile;
    source: readonly { name: string; content: Buffer }[];
    /** The service's published repository (the essential packages the build-dependencies resolve to). */
    repoDir: string;
    keyText: string;
    tag: string;
  },
): Promise<BareBuild> {
  const { limits } = options.profile;
  const container = await docker.createContainer({
    Image: options.image,
    Cmd: ['all', '--source', '/srv/source'],
    HostConfig: { NetworkMode: 'bridge', Memory: limits.memoryMiB * 1024 * 1024, NanoCpus: limits.cpus * 1e9, PidsLimit: limits.pids },
  });
  try {
    await container.putArchive(packFiles(options.source.map((f) => ({ name: `srv/source/${f.name}`, content: f.content }))), {
      path: '/',
    });
    await container.putArchive(packFiles([{ name: 'etc/stubbuild/stubdom-repo.asc', content: Buffer.from(options.keyText) }]), {
      path: '/',
    });
    await container.putArchive(tarOfDir(options.repoDir, 'srv/stubdom-repo'), { path: '/' });
    await container.start();
    const { StatusCode } = (await container.wait()) as { StatusCode: number };
    if (StatusCode !== 0) {
      const logs = (await container.logs({ stdout: true, stderr: true, tail: 40 })).toString('utf8');
      throw new Error(`stubbuild-build all in the bare container exited ${StatusCode}:\n${logs}`);
    }
    await container.commit({ repo: options.tag.split(':')[0], tag: options.tag.split(':')[1] });
  } finally {
    await container.remove({ force: true }).catch(() => undefined);
  }

  const buildOptions = `${options.profile.buildProfiles.includes('nodoc') ? 'nodoc ' : ''}nocheck parallel=${os.availableParallelism()}`;
  const args = [
    'run',
    '--rm',
    '--network',
    'none',
    '--memory',
    `${limits.memoryMiB}m`,
    '--cpus',
    String(limits.cpus),
    '--pids-limit',
    String(limits.pids),
    '--user',
    'builder',
    '--workdir',
    TREE,
    '--env',
    'HOME=/home/builder',
    '--env',
    `DEB_BUILD_OPTIONS=${buildOptions}`,
    '--entrypoint',
    'dpkg-buildpackage',
    options.tag,
    '-a',
    options.profile.arch,
    `-P${options.profile.buildProfiles.join(',')}`,
    '-B',
    '-uc',
    '-us',
  ];
  return {
    run: async () => {
      const started = performance.now();
      const { code, output } = await dockerCli(args);
      if (code !== 0) throw new Error(`the bare docker run exited ${code}:\n${output.slice(-3000)}`);
      return performance.now() - started;
    },
    remove: async () => {
      await docker
        .getImage(options.tag)
        .remove({ force: true })
        .catch(() => undefined);
    },
  };
}

function packFiles(files: readonly { name: string; content: Buffer }[]): NodeJS.ReadableStream {
  const pack = tar.pack();
  for (const file of files) pack.entry({ name: file.name, mode: 0o644 }, file.content);
  pack.finalize();
  return pack as unknown as NodeJS.ReadableStream;
}

/** A tar of `dir`'s files under `prefix/`. */
function tarOfDir(dir: string, prefix: string): NodeJS.ReadableStream {
  return spawn('tar', ['-C', dir, `--transform=s,^\\.,${prefix},`, '-cf', '-', '.'], { stdio: ['ignore', 'pipe', 'inherit'] }).stdout!;
}

function dockerCli(args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('docker', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output = (output + chunk.toString('utf8')).slice(-20_000)));
    child.stderr.on('data', (chunk: Buffer) => (output = (output + chunk.toString('utf8')).slice(-20_000)));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, output }));
  });
}
