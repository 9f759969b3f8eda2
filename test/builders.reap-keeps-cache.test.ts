// The reaper removes an installation's leftover volumes, but never the engine's download cache,
// however old it is (an engine that answers from a script: the volumes' ages are set here).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type Docker from 'dockerode';
import { APT_CACHE_VOLUME, CACHE_LABEL, DockerBuilder, ENGINE_LABEL, INSTALLATION_LABEL } from '../src/builders/docker-builder.ts';

test('reaping leaves the download cache volume and removes an old volume of no attempt', async () => {
  const owner = { [ENGINE_LABEL]: 'e1', [INSTALLATION_LABEL]: 'ours' };
  const longAgo = new Date(Date.now() - 24 * 3600_000).toISOString();
  const volumes = [
    { Name: APT_CACHE_VOLUME, Labels: { ...owner, [CACHE_LABEL]: 'apt' }, CreatedAt: longAgo },
    { Name: 'stubbuild-stray', Labels: owner, CreatedAt: longAgo },
  ];
  const removed: string[] = [];
  const engine = {
    listContainers: async () => [],
    listVolumes: async () => ({ Volumes: volumes, Warnings: [] }),
    getVolume: (name: string) => ({
      remove: async () => {
        removed.push(name);
      },
    }),
  } as unknown as Docker;

  const count = await new DockerBuilder('e1', 1, engine).reapOrphans('ours', () => false);
  assert.deepEqual(removed, ['stubbuild-stray']);
  assert.equal(count, 1);
});
