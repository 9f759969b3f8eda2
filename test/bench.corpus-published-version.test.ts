// The corpus table's published version, read from a job's .changes name: real version forms
// (an epoch, `~`, `+`, a port's `+stubdomN`, a binNMU's `+bN`).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { publishedVersion } from '../bench/corpus/published-version.ts';

test('a port: the epoch comes from Debian, the +stubdomN from the .changes', () => {
  assert.equal(publishedVersion('1:1.2.13.dfsg-1', 'zlib_1.2.13.dfsg-1+stubdom1_stubdom-amd64.changes'), '1:1.2.13.dfsg-1+stubdom1');
  assert.equal(
    publishedVersion('2:6.2.1+dfsg1-1.1', 'gmp_6.2.1+dfsg1-1.1+stubdom2_stubdom-rumprun-amd64.changes'),
    '2:6.2.1+dfsg1-1.1+stubdom2',
  );
});

test('no port, a ~ version, a binNMU', () => {
  assert.equal(publishedVersion('1.0.22-1', 'libgsm_1.0.22-1_stubdom-amd64.changes'), '1.0.22-1');
  assert.equal(
    publishedVersion('2.9.14+dfsg-1.3~deb12u6', 'libxml2_2.9.14+dfsg-1.3~deb12u6_stubdom-amd64.changes'),
    '2.9.14+dfsg-1.3~deb12u6',
  );
  assert.equal(publishedVersion('1.3.5-3', 'libogg_1.3.5-3+b1_stubdom-amd64.changes'), '1.3.5-3+b1');
});

test('no .changes, or a name of another form: nothing', () => {
  assert.equal(publishedVersion('1.0-1', undefined), undefined);
  assert.equal(publishedVersion('1.0-1', 'libfoo_1.0-1_stubdom-amd64.buildinfo'), undefined);
  assert.equal(publishedVersion('1.0-1', '../x_1.0-1_stubdom-amd64.changes'), undefined);
});
