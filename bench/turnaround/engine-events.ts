// What the engine says happened to a job's containers (Docker's event stream, filtered by the
// service's labels): when each step's container was created, started and ended. Beside the
// job's own state changes, it tells where a build's time went.
import type Docker from 'dockerode';

const JOB_LABEL = 'org.stubbuild.job';

/** Milliseconds since the epoch of each lifecycle event of one container. */
export interface ContainerTimes {
  create?: number;
  start?: number;
  die?: number;
}

export interface EngineEvents {
  /** The containers of job `jobId`, by step (`deps`, `build`: the end of their names). */
  stepsOf(jobId: number): Record<string, ContainerTimes>;
  stop(): void;
}

/** Follows the engine's container events of the containers labelled with `engineLabel`. */
export async function followEngineEvents(docker: Docker, engineLabel: string): Promise<EngineEvents> {
  const byJob = new Map<number, Record<string, ContainerTimes>>();
  const stream = (await docker.getEvents({
    filters: { type: ['container'], label: [engineLabel], event: ['create', 'start', 'die'] },
  })) as NodeJS.ReadableStream & { destroy(): void };
  let pending = '';
  stream.on('data', (chunk: Buffer) => {
    pending += chunk.toString('utf8');
    let newline;
    while ((newline = pending.indexOf('\n')) >= 0) {
      const line = pending.slice(0, newline).trim();
      pending = pending.slice(newline + 1);
      if (line) record(JSON.parse(line) as DockerEvent);
    }
  });
  stream.on('error', () => undefined); // ended by stop()

  function record(event: DockerEvent): void {
    const attributes = event.Actor?.Attributes ?? {};
    const jobId = Number(attributes[JOB_LABEL]);
    const step = /-(\w+)$/.exec(attributes.name ?? '')?.[1];
    if (!Number.isInteger(jobId) || !step) return;
    const steps = byJob.get(jobId) ?? {};
    const times = (steps[step] ??= {});
    const at = event.timeNano / 1e6;
    if (event.Action === 'create' || event.Action === 'start' || event.Action === 'die') times[event.Action] ??= at;
    byJob.set(jobId, steps);
  }

  return {
    stepsOf: (jobId) => byJob.get(jobId) ?? {},
    stop: () => stream.destroy(),
  };
}

interface DockerEvent {
  Action: string;
  timeNano: number;
  Actor?: { Attributes?: Record<string, string> };
}
