// The yardstick of the read benchmark: a bare Fastify route answering a small JSON object, in
// its own process, loaded by the same generator in the same run as the service.
import Fastify from 'fastify';

const app = Fastify({ logger: false });
app.get('/bare', async () => ({ ok: true, items: [] }));
const address = await app.listen({ host: '127.0.0.1', port: Number(process.env.PORT ?? 0) });
process.stdout.write(`${address}\n`);
