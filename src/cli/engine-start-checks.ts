// Each configured engine must be a Docker engine of its own: one engine under two ids would run
// twice its capacity, and each id's reaper would see the other's containers as its own.
import type Docker from 'dockerode';
import type { Logger } from 'pino';
import { withDeadline } from '../builders/docker-deadline.ts';
import { CliError } from './cli-error.ts';

/** A start waits this long for an engine; one that does not answer is checked no further (it shows unhealthy). */
const IDENTIFY_TIMEOUT_MS = 10_000;

export interface ConfiguredEngine {
  id: string;
  host: string;
  docker: Docker;
}

/**
 * Two entries that reach the same engine (the same `docker info` ID) stop the start with one
 * line naming both. Only this installation's list is compared: other installations may use the
 * same engine under ids of their own.
 */
export async function checkEnginesDistinct(engines: readonly ConfiguredEngine[], logger: Pick<Logger, 'warn'>): Promise<void> {
  const identities = await Promise.all(
    engines.map(async (engine) => {
      try {
        // dockerode's types omit the options its info() takes (the abort signal).
        const info = engine.docker.info.bind(engine.docker) as (opts: { abortSignal: AbortSignal }) => Promise<{ ID?: string }>;
        return (await withDeadline(`engine ${engine.id}: info`, IDENTIFY_TIMEOUT_MS, info)).ID;
      } catch (error) {
        logger.warn(
          { engine: engine.id, err: error },
          `engine ${engine.id} (${engine.host}) did not answer at start: not checked for being configured twice`,
        );
        return undefined;
      }
    }),
  );
  const seen = new Map<string, ConfiguredEngine>();
  engines.forEach((engine, i) => {
    const id = identities[i];
    if (!id) return;
    const first = seen.get(id);
    if (first) {
      throw new CliError(
        `BUILDER_ENGINES entries "${first.id}" (${first.host}) and "${engine.id}" (${engine.host}) reach the same Docker engine (ID ${id}); configure it once, with the capacity of both`,
        2,
      );
    }
    seen.set(id, engine);
  });
}
