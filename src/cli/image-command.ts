// `stubbuild image build`: the builder image of each architecture profile, with progress.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, Option } from 'commander';
import Docker from 'dockerode';
import { isOfflineBuildable, loadArchProfiles, type ArchProfile } from '../builders/arch-profile.ts';
import { buildBuilderImage, ImageBuildError, type BaseKind, type ImageBuildProgress } from '../builders/image-build.ts';
import { imagePushCommand } from './image-push-command.ts';
import { CliError } from './service-context.ts';

export const defaultArchesDir = fileURLToPath(new URL('../../arches/', import.meta.url));

interface ImageBuildFlags {
  arch?: string[];
  base: BaseKind;
  mirror?: string;
  archesDir: string;
  toolchainSrc?: string;
  cache: boolean;
  verbose?: boolean;
}

export function imageCommand(): Command {
  const image = new Command('image').description('builder images (one per architecture profile in arches/)');
  image
    .command('build')
    .description('build the builder image of each profile whose toolchain builds offline, or of --arch')
    .addOption(new Option('--arch <arch...>', 'architecture(s) to build (default: every offline-buildable profile)'))
    .addOption(
      new Option('--base <kind>', 'debian:<suite> from a registry, or a debootstrap root file system')
        .choices(['registry', 'debootstrap'])
        .default('registry'),
    )
    .addOption(new Option('--mirror <url>', "Debian mirror for debootstrap and the image's apt sources"))
    .addOption(new Option('--arches-dir <dir>', 'folder of architecture profiles').default(defaultArchesDir))
    .addOption(
      new Option(
        '--toolchain-src <path>',
        "rumprun flavor: the rumprun snapshot (.tar.xz, its sha256 checked) or an unpacked tree (default: the flavor's snapshot, flavors/rumprun/source.json)",
      ).env('RUMPRUN_SRC'),
    )
    .addOption(new Option('--no-cache', 'do not use the layer cache'))
    .addOption(new Option('-v, --verbose', 'print every line of the build output'))
    .action(async (flags: ImageBuildFlags) => {
      const profiles = await loadProfiles(flags.archesDir);
      const chosen = chooseProfiles(profiles, flags.arch);
      const docker = new Docker();
      for (const profile of chosen) {
        const display = new ProgressDisplay(profile.arch, flags.verbose ?? false);
        try {
          const built = await buildBuilderImage(
            {
              docker,
              profile,
              base: flags.base,
              mirror: flags.mirror,
              toolchainSource: flags.toolchainSrc ? path.resolve(flags.toolchainSrc) : undefined,
              noCache: !flags.cache,
            },
            (event) => display.update(event),
          );
          display.finish(
            `${profile.arch}: image ${built.tag} id ${built.id.replace(/^sha256:/, '').slice(0, 12)} ` +
              `(${built.cachedSteps}/${built.totalSteps} steps cached, ${display.elapsed()})`,
          );
        } catch (error) {
          display.abort();
          if (error instanceof ImageBuildError) {
            const tail = error.lastOutput.length > 0 ? `\n  last output:\n    ${error.lastOutput.slice(-25).join('\n    ')}` : '';
            throw new CliError(`${profile.arch}: ${error.message}${tail}`, 1);
          }
          throw error;
        }
      }
    });
  image.addCommand(imagePushCommand());
  return image;
}

async function loadProfiles(dir: string): Promise<Map<string, ArchProfile>> {
  try {
    return await loadArchProfiles(dir);
  } catch (error) {
    throw new CliError((error as Error).message, 2);
  }
}

function chooseProfiles(profiles: Map<string, ArchProfile>, arches: string[] | undefined): ArchProfile[] {
  if (!arches || arches.length === 0) {
    const offline = [...profiles.values()].filter(isOfflineBuildable);
    const skipped = [...profiles.values()].filter((profile) => !isOfflineBuildable(profile));
    for (const profile of skipped) {
      process.stderr.write(
        `skipping ${profile.arch}: flavor ${profile.flavor} builds its toolchain from source (about half an hour); ask for it with --arch ${profile.arch}\n`,
      );
    }
    if (offline.length === 0) throw new CliError('no architecture profile can be built offline', 2);
    return offline;
  }
  return arches.map((arch) => {
    const profile = profiles.get(arch);
    if (!profile) throw new CliError(`no profile for ${arch} (known: ${[...profiles.keys()].join(', ')})`, 2);
    return profile;
  });
}

/** Step N/M with the time each took; on a terminal, a live line with the latest output. */
class ProgressDisplay {
  private readonly started = Date.now();
  private stepStarted = Date.now();
  private current: { step: number; total: number; instruction: string; cached: boolean } | undefined;
  private readonly tty = process.stderr.isTTY === true;
  private live = '';

  constructor(
    private readonly arch: string,
    private readonly verbose: boolean,
  ) {}

  elapsed(since = this.started): string {
    const seconds = (Date.now() - since) / 1000;
    return seconds < 60 ? `${seconds.toFixed(1)}s` : `${Math.floor(seconds / 60)}m${String(Math.round(seconds % 60)).padStart(2, '0')}s`;
  }

  update(event: ImageBuildProgress): void {
    switch (event.kind) {
      case 'phase':
        this.closeStep();
        this.print(`${this.arch}: ${event.message}`);
        break;
      case 'base-output':
        if (this.verbose) this.print(`  ${event.line}`);
        else this.showLive(`debootstrap: ${event.line}`);
        break;
      case 'step':
        this.closeStep();
        this.current = { ...event, cached: false };
        this.stepStarted = Date.now();
        this.showLive(`step ${event.step}/${event.total} ${shorten(event.instruction, 70)}`);
        break;
      case 'cached':
        if (this.current) this.current.cached = true;
        break;
      case 'output':
        if (this.verbose) this.print(`  ${event.line}`);
        else if (this.current)
          this.showLive(`step ${this.current.step}/${this.current.total} ${this.elapsed(this.stepStarted)}  ${event.line}`);
        break;
    }
  }

  finish(message: string): void {
    this.closeStep();
    this.clearLive();
    process.stdout.write(`${message}\n`);
  }

  abort(): void {
    this.clearLive();
  }

  private closeStep(): void {
    if (!this.current) return;
    const { step, total, instruction, cached } = this.current;
    this.print(`  step ${step}/${total} ${shorten(instruction, 80)}  ${cached ? 'cached' : this.elapsed(this.stepStarted)}`);
    this.current = undefined;
  }

  private showLive(text: string): void {
    if (!this.tty) return;
    const width = Math.max(20, (process.stderr.columns ?? 100) - 1);
    this.live = shorten(text.replace(/\s+/g, ' '), width);
    process.stderr.write(`\r\x1b[K${this.live}`);
  }

  private clearLive(): void {
    if (this.tty && this.live) process.stderr.write('\r\x1b[K');
    this.live = '';
  }

  private print(line: string): void {
    this.clearLive();
    process.stderr.write(`${line}\n`);
  }
}

function shorten(text: string, width: number): string {
  return text.length <= width ? text : `${text.slice(0, width - 1)}…`;
}
