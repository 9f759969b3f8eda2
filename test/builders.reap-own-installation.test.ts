// Two installations (two databases) may share an engine, even under the same engine id and
// with the same job numbers: each removes only the leftovers of its own attempts.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import Docker from 'dockerode';
import { ATTEMPT_LABEL, DockerBuilder, ENGINE_LABEL, INSTALLATION_LABEL, JOB_LABEL } from '../src/builders/docker-builder.ts';
import { ensureBuilderImage } from './builder-image.support.ts';

const docker = new Docker();
const engineId = `reap-test-${process.pid}`;
const ours = `ours-${process.pid}`;
const theirs = `theirs-${process.pid}`;
after(async () => {
  for (const c of await docker.listContainers({ all: true, filters: { label: [`${ENGINE_LABEL}=${engineId}`] } })) {
    await docker.getContainer(c.Id).remove({ force: true });
  }
});

/** A stopped container as an attempt of `installation` would leave it (its process killed). */
async function leftover(installation: string): Promise<string> {
  const { tag } = await ensureBuilderImage();
  const container = await docker.createContainer({
    Image: tag,
    Cmd: ['true'],
    Labels: { [ATTEMPT_LABEL]: '7.1', [JOB_LABEL]: '7', [ENGINE_LABEL]: engineId, [INSTALLATION_LABEL]: installation },
  });
  return container.id;
}

test("the reaper removes its own installation's dead attempts and leaves another installation's alone", async () => {
  const mine = await leftover(ours);
  const other = await leftover(theirs);
  const asked: string[] = [];
  const removed = await new DockerBuilder(engineId, 1, docker).reapOrphans(ours, (job, attempt) => {
    asked.push(`${job}.${attempt}`);
    return false;
  });
  assert.equal(removed, 1);
  assert.deepEqual(asked, ['7.1'], 'only its own attempt was looked up in its database');
  await assert.rejects(docker.getContainer(mine).inspect(), { statusCode: 404 });
  const kept = await docker.getContainer(other).inspect();
  assert.equal(kept.Config.Labels[INSTALLATION_LABEL], theirs);
});
