import fs from 'node:fs';
import Docker from 'dockerode';
import { z } from 'zod';
import { DockerBuilder } from './docker-builder.ts';
import { DOCKER_CALL_TIMEOUT_MS } from './docker-deadline.ts';

const engineSchema = z.strictObject({
  id: z.string().regex(/^[a-z0-9][a-z0-9_.-]{0,62}$/, 'lower-case letters, digits, "_", "." and "-"'),
  /** unix:///path, tcp://host:port (with tls: TLS), or ssh://user@host[:port] (through the ssh agent). */
  host: z.string().regex(/^(unix|tcp|ssh):\/\//, 'must start with unix://, tcp:// or ssh://'),
  capacity: z.int().min(1).max(64).default(1),
  tls: z.strictObject({ ca: z.string(), cert: z.string(), key: z.string() }).optional(),
  /** The named volume that keeps what dependency steps download (default stubbuild-apt-cache). */
  aptCacheVolume: z
    .string()
    .regex(/^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/, 'a Docker volume name')
    .optional(),
});

export type EngineConfig = z.output<typeof engineSchema>;

export const engineListSchema = z
  .array(engineSchema)
  .min(1)
  .superRefine((engines, ctx) => {
    engines.forEach((engine, i) => {
      const first = engines.findIndex((e) => e.id === engine.id);
      if (first < i) {
        ctx.addIssue({
          code: 'custom',
          message: `entries ${first + 1} (${engines[first]!.host}) and ${i + 1} (${engine.host}) have the same id "${engine.id}"`,
        });
      }
    });
  });

/** The default: one engine, the local socket (or DOCKER_HOST), one attempt at a time. */
export function defaultEngines(dockerHost: string | undefined): EngineConfig[] {
  return [{ id: 'local', host: dockerHost || 'unix:///var/run/docker.sock', capacity: 1 }];
}

/** A configured engine that cannot be set up (its TLS files): one line naming the engine and the file. */
export class EngineConfigError extends Error {}

function readTlsFile(engine: EngineConfig, which: 'ca' | 'cert' | 'key'): Buffer {
  const file = engine.tls![which];
  try {
    return fs.readFileSync(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new EngineConfigError(`BUILDER_ENGINES engine "${engine.id}": tls.${which} ${file} cannot be read (${code})`);
  }
}

function dockerOptions(engine: EngineConfig): Docker.DockerOptions {
  const url = new URL(engine.host);
  switch (url.protocol) {
    case 'unix:':
      return { socketPath: url.pathname };
    case 'tcp:':
      return {
        host: url.hostname,
        port: url.port || (engine.tls ? 2376 : 2375),
        protocol: engine.tls ? 'https' : 'http',
        ...(engine.tls ? { ca: readTlsFile(engine, 'ca'), cert: readTlsFile(engine, 'cert'), key: readTlsFile(engine, 'key') } : {}),
      };
    default:
      return {
        protocol: 'ssh',
        host: url.hostname,
        port: url.port || 22,
        username: decodeURIComponent(url.username) || 'root',
        sshOptions: { agent: process.env.SSH_AUTH_SOCK },
      };
  }
}

export function createDockerBuilders(engines: EngineConfig[]): DockerBuilder[] {
  return engines.map(
    (engine) =>
      new DockerBuilder(
        engine.id,
        engine.capacity,
        new Docker(dockerOptions(engine)),
        DOCKER_CALL_TIMEOUT_MS,
        {
          host: engine.host,
          tls: engine.tls,
        },
        engine.aptCacheVolume,
      ),
  );
}
