// npm run openapi: writes openapi/openapi.json from the route schemas (a test fails when it is stale).
import fs from 'node:fs/promises';
import { generateOpenApiDocument } from '../src/api/openapi-document.ts';
import { packageVersion } from '../src/cli/service-context.ts';

const target = new URL('../openapi/openapi.json', import.meta.url);
await fs.writeFile(target, await generateOpenApiDocument(packageVersion));
process.stdout.write(`wrote ${target.pathname}\n`);
