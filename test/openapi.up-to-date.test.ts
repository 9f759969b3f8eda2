import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import { test } from 'node:test';
import { generateOpenApiDocument } from '../src/api/openapi-document.ts';
import { packageVersion } from '../src/cli/service-context.ts';

test('openapi/openapi.json is what the code generates (run `npm run openapi` after changing a route)', async () => {
  const committed = await fs.readFile(new URL('../openapi/openapi.json', import.meta.url), 'utf8');
  assert.equal(committed, await generateOpenApiDocument(packageVersion));
});

test('every route has a summary, a description and response schemas', async () => {
  const doc = JSON.parse(await generateOpenApiDocument(packageVersion)) as {
    paths: Record<string, Record<string, { summary?: string; description?: string; responses?: Record<string, unknown> }>>;
  };
  const operations = Object.entries(doc.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, op]) => ({ at: `${method.toUpperCase()} ${path}`, op })),
  );
  assert.ok(operations.length >= 7, `found ${operations.length} operations`);
  for (const { at, op } of operations) {
    assert.ok(op.summary, `${at} has a summary`);
    assert.ok(op.description, `${at} has a description`);
    assert.ok(op.responses && Object.keys(op.responses).some((s) => s.startsWith('2')), `${at} documents its success`);
  }
});

test("the document describes every route `serve` has (the engine routes too), and the README's API table names each", async () => {
  const doc = JSON.parse(await generateOpenApiDocument(packageVersion)) as { paths: Record<string, Record<string, unknown>> };
  const operations = Object.entries(doc.paths).flatMap(([path, methods]) => Object.keys(methods).map((m) => `${m.toUpperCase()} ${path}`));
  for (const route of [
    'GET /v1/admin/engines',
    'POST /v1/admin/engines/{id}/drain',
    'POST /v1/admin/engines/{id}/resume',
    'POST /v1/admin/jobs/{id}/priority',
  ]) {
    assert.ok(operations.includes(route), `${route} is in the document`);
  }
  const readme = await fs.readFile(new URL('../README.md', import.meta.url), 'utf8');
  const missing = operations.filter((op) => !readme.includes(`\`${op}\``));
  assert.deepEqual(missing, [], "every operation has its own line in the README's API table");
});
