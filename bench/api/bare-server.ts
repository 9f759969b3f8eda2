// The yardstick of the read benchmark: a bare Fastify route answering a small JSON object, in
// its own process, loaded by the same generator in the same run as the service. With
// ANSWER_FILE, /bare-answer sends that file's bytes as JSON (read once): the list page's own
// bytes, to show what of the list's time is the size of its answer.
import { readFileSync } from 'node:fs';
import Fastify from 'fastify';

const app = Fastify({ logger: false });
app.get('/bare', async () => ({ ok: true, items: [] }));
const answerFile = process.env.ANSWER_FILE;
if (answerFile) {
  const answer = readFileSync(answerFile);
  app.get('/bare-answer', (_request, reply) => reply.type('application/json; charset=utf-8').send(answer));
}
const address = await app.listen({ host: '127.0.0.1', port: Number(process.env.PORT ?? 0) });
process.stdout.write(`${address}\n`);
