import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseRelations } from '../src/debian/relations.ts';
import { checkRelations, type RepoPackageFacts } from '../src/scheduler/dep-wait.ts';

const options = { hostArch: 'stubdom-amd64', buildArch: 'amd64' };

function pkg(name: string, version: string, more: Partial<RepoPackageFacts> & { providesText?: string } = {}): RepoPackageFacts {
  const { providesText, ...rest } = more;
  return {
    name,
    version,
    architecture: 'stubdom-amd64',
    multiArch: null,
    provides: providesText ? parseRelations(providesText).flat() : [],
    jobId: null,
    ...rest,
  };
}

const repo: RepoPackageFacts[] = [
  pkg('libstubhello-dev', '2.0-1', { jobId: 7 }),
  pkg('stubdom-libc-dev', '1.0', { providesText: 'libc-dev' }),
  pkg('libzed-dev', '1.2', { providesText: 'libz-dev (= 1.2.13)' }),
  pkg('stubdom-tools', '3', { architecture: 'all', multiArch: 'foreign' }),
  pkg('libplug-dev', '1', { multiArch: 'allowed' }),
];

const unmet = (relations: string[]) => checkRelations(relations, repo, options).unmet;

test('a relation as apt reports it (host qualifier, version) is satisfied by the host package', () => {
  const check = checkRelations(['libstubhello-dev:stubdom-amd64 (>= 2)'], repo, options);
  assert.deepEqual(check.unmet, []);
  assert.equal(check.satisfied[0]?.by.name, 'libstubhello-dev');
  assert.equal(check.satisfied[0]?.by.jobId, 7);
});

test('versions compare as dpkg does', () => {
  assert.deepEqual(unmet(['libstubhello-dev (>= 2.0~rc1)', 'libstubhello-dev (<< 2.0-2)', 'libstubhello-dev (= 2.0-1)']), []);
  assert.deepEqual(unmet(['libstubhello-dev (>> 2.0-1)']), ['libstubhello-dev (>> 2.0-1)']);
  assert.deepEqual(unmet(['libstubhello-dev:stubdom-amd64 (>= 2.0-1+b1)']), ['libstubhello-dev:stubdom-amd64 (>= 2.0-1+b1)']);
});

test('Provides: unversioned satisfies only unversioned relations; a versioned one satisfies by its version', () => {
  assert.deepEqual(unmet(['libc-dev']), []);
  assert.deepEqual(unmet(['libc-dev:stubdom-amd64 (>= 1)']), ['libc-dev:stubdom-amd64 (>= 1)']);
  assert.deepEqual(unmet(['libz-dev (>= 1.2.11)']), []);
  assert.deepEqual(unmet(['libz-dev (>= 1.3)']), ['libz-dev (>= 1.3)']);
  const check = checkRelations(['libz-dev'], repo, options);
  assert.equal(check.satisfied[0]?.by.name, 'libzed-dev');
  assert.equal(check.satisfied[0]?.via, 'libz-dev');
});

test('qualifiers: another architecture, :native, :any follow Multi-Arch', () => {
  assert.deepEqual(unmet(['libstubhello-dev:amd64']), ['libstubhello-dev:amd64']);
  // Only an Architecture: all package of ours can be a :native one.
  assert.deepEqual(unmet(['libstubhello-dev:native', 'stubdom-tools:native']), ['libstubhello-dev:native']);
  // :any needs Multi-Arch: allowed.
  assert.deepEqual(unmet(['libplug-dev:any', 'libstubhello-dev:any']), ['libstubhello-dev:any']);
  // Architecture: all and Multi-Arch: foreign stand for an unqualified relation.
  assert.deepEqual(unmet(['stubdom-tools (>= 3)']), []);
});

test('alternatives: any one satisfied is enough', () => {
  assert.deepEqual(unmet(['libmissing-dev | libstubhello-dev (>= 1)']), []);
  assert.deepEqual(unmet(['libmissing-dev | libother-dev']), ['libmissing-dev | libother-dev']);
});

test('every relation must be met; one that cannot be read is unmet', () => {
  const check = checkRelations(['libstubhello-dev', 'libmissing-dev:stubdom-amd64', 'Not A Relation ((('], repo, options);
  assert.deepEqual(check.unmet, ['libmissing-dev:stubdom-amd64', 'Not A Relation (((']);
  assert.equal(check.satisfied.length, 1);
});
