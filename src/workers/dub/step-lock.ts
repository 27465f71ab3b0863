import { luaScript, runScript } from '../../shared/redis/lua-scripts.ts';
import type { Redis } from '../../shared/redis/connections.ts';

// Renews or releases the lock only while it is the holder's (ARGV[1]); ARGV[2]: ms, or 0 to
// release.
const holdScript = luaScript(
  'dub_step_lock_hold',
  `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
if tonumber(ARGV[2]) == 0 then redis.call('DEL', KEYS[1]) else
  redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 1
`,
);

export interface StepLock {
  release(): Promise<void>;
}

/**
 * The right to compute one step's answer (dubStepLock), or null when another step job holds
 * it. Renewed every half period while held, so only a dead holder lets it lapse (then the
 * next step computes it); two dubs of one clip separate it once.
 */
export async function acquireStepLock(
  redis: Redis,
  key: string,
  holder: string,
  ttlMs: number,
): Promise<StepLock | null> {
  const taken = await redis.set(key, holder, 'PX', ttlMs, 'NX');
  if (taken !== 'OK') return null;
  const renew = setInterval(() => {
    runScript(redis, holdScript, [key], [holder, ttlMs]).catch(() => undefined);
  }, ttlMs / 2);
  renew.unref();
  return {
    release: async () => {
      clearInterval(renew);
      await runScript(redis, holdScript, [key], [holder, 0]).catch(() => undefined);
    },
  };
}
