import Fastify from 'fastify';
import { Redis } from 'ioredis';
import { baselineQueue } from './baseline-queue.ts';

/**
 * The least an HTTP intake can do, for B1's ceiling: Fastify parses the JSON body and one
 * `queue.add` stores it, with no auth, validation, record, admission or log. Its rate ÷ the
 * in-process `queue.add` baseline is what HTTP alone leaves of the baseline on this machine:
 * no intake of audiobatch's kind can beat it. Run as its own process, like the api
 * (`node --import tsx bench/harness/bare-intake-server.ts`, REDIS_URL in its env).
 */
const redis = new Redis(process.env.REDIS_URL ?? '', { maxRetriesPerRequest: null });
const queue = baselineQueue(redis);
const app = Fastify({ logger: false });
app.post('/v1/jobs', async (request, reply) => {
  const job = await queue.add('text_to_dialogue', request.body);
  return reply.code(202).send({ id: job.id });
});
const address = await app.listen({ host: '127.0.0.1', port: 0 });
console.log(`bare intake listening ${address}`);
const stop = async () => {
  await app.close();
  await queue.close();
  redis.disconnect();
  process.exit(0);
};
process.once('SIGTERM', () => void stop());
