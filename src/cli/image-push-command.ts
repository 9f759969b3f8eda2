// `stubbuild image push --engine ID [--from ID] [--arch A…]`: the builder image of each
// architecture, from an engine that has it to one that lacks it, through the engines' API
// (image-push.ts), with progress. Exits 1 when an image cannot be delivered as it is.
import { Command, Option } from 'commander';
import { loadArchProfiles, type ArchProfile } from '../builders/arch-profile.ts';
import type { DockerBuilder } from '../builders/docker-builder.ts';
import { createDockerBuilders, defaultEngines, EngineConfigError } from '../builders/engine-config.ts';
import { describeEngineError } from '../builders/engine-error-detail.ts';
import { imageIdOn, ImagePushError, pushImage, type ImagePushProgress } from '../builders/image-push.ts';
import { CliError, loadServiceProfiles, readConfig } from './service-context.ts';

interface PushFlags {
  engine: string;
  from?: string;
  arch?: string[];
}

const mb = (bytes: number) => `${(bytes / 1e6).toFixed(0)} MB`;

/** A live line on a terminal; otherwise a line at each quarter. */
function progressPrinter(label: string): (progress: ImagePushProgress) => void {
  const tty = process.stderr.isTTY === true;
  let shownQuarter = 0;
  let shownAt = 0;
  return ({ sent, size }) => {
    const percent = size > 0 ? Math.min(100, Math.floor((sent / size) * 100)) : 0;
    if (tty) {
      if (Date.now() - shownAt < 200) return;
      shownAt = Date.now();
      process.stderr.write(`\r\x1b[K${label}: ${mb(sent)} of about ${mb(size)} (${percent}%)`);
    } else if (Math.floor(percent / 25) > shownQuarter) {
      shownQuarter = Math.floor(percent / 25);
      process.stderr.write(`${label}: ${mb(sent)} of about ${mb(size)} (${percent}%)\n`);
    }
  };
}

async function chooseProfiles(flags: PushFlags, config: ReturnType<typeof readConfig>): Promise<ArchProfile[]> {
  if (!flags.arch || flags.arch.length === 0) return loadServiceProfiles(config);
  const known = await loadArchProfiles(config.ARCHES_DIR).catch((error: unknown) => {
    throw new CliError((error as Error).message, 2);
  });
  return flags.arch.map((arch) => {
    const profile = known.get(arch);
    if (!profile) throw new CliError(`no profile for ${arch} in ${config.ARCHES_DIR} (known: ${[...known.keys()].join(', ')})`, 2);
    return profile;
  });
}

function findEngine(builders: DockerBuilder[], id: string, flag: string): DockerBuilder {
  const found = builders.find((b) => b.id === id);
  if (!found)
    throw new CliError(`${flag} ${id}: no such engine in BUILDER_ENGINES (configured: ${builders.map((b) => b.id).join(', ')})`, 2);
  return found;
}

/** The image's id on the engine; an engine that does not answer is one line naming why. */
async function idOn(builder: DockerBuilder, image: string): Promise<string | undefined> {
  try {
    return await imageIdOn(builder.docker, image);
  } catch (error) {
    throw new CliError(`engine ${builder.id}: ${describeEngineError(error, builder.endpoint)}`, 1);
  }
}

export function imagePushCommand(): Command {
  return new Command('push')
    .description(
      "copy the builder image of each architecture to an engine that lacks it, from one that has it (no registry: the engines' API)",
    )
    .requiredOption('--engine <id>', 'the engine to deliver to (an id of BUILDER_ENGINES)')
    .option('--from <id>', 'the engine to copy from (default: the first other engine that has the image)')
    .addOption(new Option('--arch <arch...>', 'architecture(s) whose image to push (default: every one the service builds, ARCHES)'))
    .action(async (flags: PushFlags, command: Command) => {
      const config = readConfig(command.optsWithGlobals());
      const profiles = await chooseProfiles(flags, config);
      let builders: DockerBuilder[];
      try {
        builders = createDockerBuilders(config.BUILDER_ENGINES ?? defaultEngines(config.DOCKER_HOST));
      } catch (error) {
        if (error instanceof EngineConfigError) throw new CliError(error.message, 2);
        throw error;
      }
      const target = findEngine(builders, flags.engine, '--engine');
      const named = flags.from === undefined ? undefined : findEngine(builders, flags.from, '--from');
      if (named === target) throw new CliError(`--from and --engine name the same engine ${target.id}`, 2);
      for (const profile of profiles) {
        const image = profile.image;
        let source = named;
        let sourceId = source ? await idOn(source, image) : undefined;
        if (source && !sourceId) throw new CliError(`engine ${source.id} has no image ${image} (${profile.arch})`, 1);
        if (!source) {
          for (const candidate of builders.filter((b) => b !== target)) {
            // An engine that does not answer cannot be the source; the next one may.
            const id = await imageIdOn(candidate.docker, image).catch(() => undefined);
            if (id) {
              source = candidate;
              sourceId = id;
              break;
            }
          }
        }
        if (!source || !sourceId) {
          throw new CliError(`no other engine has ${image} (${profile.arch}): build it on one with stubbuild image build`, 1);
        }
        if ((await idOn(target, image)) === sourceId) {
          process.stdout.write(
            `${profile.arch}: engine ${target.id} already has ${image} (id ${sourceId.replace(/^sha256:/, '').slice(0, 12)})\n`,
          );
          continue;
        }
        const label = `${profile.arch}: ${image} from ${source.id} to ${target.id}`;
        const started = Date.now();
        let sent = 0;
        const print = progressPrinter(label);
        try {
          const id = await pushImage(image, source, target, (progress) => {
            sent = progress.sent;
            print(progress);
          });
          if (process.stderr.isTTY) process.stderr.write('\r\x1b[K');
          process.stdout.write(
            `${label}: id ${id.replace(/^sha256:/, '').slice(0, 12)} (${mb(sent)}, ${((Date.now() - started) / 1000).toFixed(1)}s)\n`,
          );
        } catch (error) {
          if (process.stderr.isTTY) process.stderr.write('\n');
          if (error instanceof ImagePushError) throw new CliError(`${label}: ${error.message}`, 1);
          throw new CliError(`${label}: ${describeEngineError(error, target.endpoint)}`, 1);
        }
      }
    });
}
