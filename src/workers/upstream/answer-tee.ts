import { Transform } from 'node:stream';
import {
  ANSWER_ENTRY,
  ANSWER_STREAM_MAX_ENTRIES,
  ANSWER_STREAM_TTL_SECONDS,
} from '../../shared/jobs/answer-stream.ts';
import type { Logger } from '../../shared/logger.ts';
import type { Redis } from '../../shared/redis/connections.ts';
import type { UpstreamCall, UpstreamResponse } from './upstream-client.ts';

type Call = (call: Omit<UpstreamCall, 'signal'>) => Promise<UpstreamResponse>;

/**
 * Wraps an attempt's upstream call so a successful answer's body is copied, chunk by chunk as
 * it arrives, into the Redis stream `key`, while the job reads it as always (to storage). The
 * gateway reads that stream to pass a stream call's bytes through before the job has ended.
 * Writes are not awaited: one connection keeps them in order, and the archive must not wait
 * for Redis; a failed write is logged and the gateway falls back to the stored answer.
 */
export function teeAnswers(redis: Redis, key: string, logger: Logger, call: Call): Call {
  const add = (fields: (string | Buffer)[]) => {
    redis
      .multi()
      .xadd(key, 'MAXLEN', '~', ANSWER_STREAM_MAX_ENTRIES, '*', ...fields)
      .expire(key, ANSWER_STREAM_TTL_SECONDS)
      .exec()
      .catch((error: unknown) => logger.warn({ err: error }, 'could not tee the upstream answer'));
  };
  return async (upstreamCall) => {
    const response = await call(upstreamCall);
    add(['k', ANSWER_ENTRY.head, 'h', JSON.stringify(response.headers)]);
    let ended = false;
    const tee = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        add(['k', ANSWER_ENTRY.data, 'd', chunk]);
        done(null, chunk);
      },
      flush(done) {
        ended = true;
        add(['k', ANSWER_ENTRY.end]);
        done();
      },
    });
    response.body.once('error', (error) => tee.destroy(error));
    tee.once('close', () => {
      if (!ended) add(['k', ANSWER_ENTRY.error, 'm', 'the upstream answer broke off']);
      // Whoever reads the tee stopped early: stop the upstream body too (frees its slot).
      if (!response.body.destroyed && !response.body.readableEnded) response.body.destroy();
    });
    return { ...response, body: response.body.pipe(tee) };
  };
}
