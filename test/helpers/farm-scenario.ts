// A farm in the states the status page and the metrics describe, on scripted engines (no
// container): one job failed (with a log), one building until stopped, one queued behind it.
import type { AttemptRequest } from '../../src/builders/builder.ts';
import { createScheduledApp, queueJob, submitTokenId } from './scheduled-app.ts';
import { waitForJob } from './wait-for-job.ts';
import { type Behaviour, outcomes, ScriptedBuilder } from './scripted-builder.ts';
import type { TestApp } from './test-app.ts';

export interface FarmScenario {
  app: TestApp;
  failed: number;
  building: number;
  queued: number;
}

export async function startFarmScenario(name: string, env: Record<string, string> = {}): Promise<FarmScenario> {
  const behaviours = new Map<number, Behaviour>();
  const engine = new ScriptedBuilder(`${name}-${process.pid}`, 1, (request: AttemptRequest) => behaviours.get(request.jobId)!(request));
  const app = await createScheduledApp([engine], { heartbeatMs: 200, leaseMs: 2000 }, env);
  await app.pipeline!.start();
  const token = await submitTokenId(app);
  const queue = async (source: string, behaviour: Behaviour) => {
    const id = await queueJob(app, token, source);
    behaviours.set(id, behaviour);
    return id;
  };
  const failed = await queue('libbroken', outcomes.buildError());
  await waitForJob(app, failed, ['failed']);
  const building = await queue('qemu-stubdom', outcomes.untilAborted());
  await waitForJob(app, building, ['building']);
  const queued = await queue('zlib', outcomes.untilAborted());
  return { app, failed, building, queued };
}
