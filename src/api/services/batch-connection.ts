import {
  duplicateRedis,
  INTAKE_COMMAND_TIMEOUT_MS,
  type Redis,
} from '../../shared/redis/connections.ts';

/**
 * The connection a batch intake writes on, apart from the one single jobs share. Two reasons:
 *
 * - ioredis times a command from when it is sent, so on the shared connection a chunk of
 *   records waits behind every other request's commands, and the chunks in flight before it:
 *   under load that passed the intake's 2 s fail-fast timeout, and the batch was refused (503)
 *   though Redis was only slow. Here a command may take half the intake lease (never less
 *   than a single job's): a slow Redis makes a big batch slow, not refused, while a chunk
 *   that cannot land even then still fails (and the writer rolls back) before recovery
 *   would take the intake for dead.
 * - Its own socket keeps the order of a batch's writes and of its rollback: a rollback sent
 *   after a timed-out chunk runs after that chunk, should the chunk still land.
 *
 * Like the intake's connection it refuses commands while disconnected: Redis away is a 503 at
 * once. Connected now (an intake connection cannot queue its first command); close it with
 * the services.
 */
export function createBatchConnection(intake: Redis, leaseMs: number): Redis {
  return duplicateRedis(intake, {
    connectionName: 'audiobatch:api-batches',
    commandTimeout: Math.max(INTAKE_COMMAND_TIMEOUT_MS, Math.floor(leaseMs / 2)),
  });
}
