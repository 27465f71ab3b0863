import { ConfigError, loadConfig } from './shared/config.ts';
import { loadEnvFile } from './shared/env-file.ts';
import { armCrashPoints } from './shared/crash-points.ts';
import { createLogger } from './shared/logger.ts';
import { startService, type Role } from './runtime/start-service.ts';

/**
 * `npm start` (api + workers), `npm run start:api`, `npm run start:worker`. Owns the process:
 * config, signals and exit codes.
 */
const roles: Role[] = ['all', 'api', 'worker'];
/** How long after a signal a second one of the same kind counts as its echo (see shutdown). */
const ECHO_WINDOW_MS = 1_000;
const role = (process.argv[2] ?? 'all') as Role;
if (!roles.includes(role)) {
  console.error(`Unknown role "${role}": use one of ${roles.join(', ')}.`);
  process.exit(2);
}

let config;
let fromEnvFile: string[] = [];
try {
  // Before the config is read: `.env` fills in what the environment leaves unset.
  fromEnvFile = loadEnvFile();
  config = loadConfig();
} catch (error) {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
}

const logger = createLogger({ level: config.LOG_LEVEL, format: config.LOG_FORMAT });
// Names only: the values may be secrets.
if (fromEnvFile.length) logger.info({ variables: fromEnvFile }, 'settings loaded from .env');
// Only a real process is armed: the fault suite kills it at these points (never in-process).
if (config.CRASH_POINTS?.length) {
  armCrashPoints(config.CRASH_POINTS);
  logger.warn({ crash_points: config.CRASH_POINTS }, 'crash points armed: this process will die');
}
try {
  const service = await startService(config, role, logger, { defaultMetrics: true });
  let stopping: { signal: string; at: number } | null = null;
  const shutdown = (signal: string) => {
    // One Ctrl-C can arrive twice: from the terminal (to the whole foreground group) and
    // relayed by a launcher (npm, tsx). A repeat within a second is that echo, not a request.
    if (stopping && stopping.signal === signal && Date.now() - stopping.at < ECHO_WINDOW_MS) {
      logger.debug({ signal }, 'repeated signal ignored: already shutting down');
      return;
    }
    if (stopping) {
      logger.warn(
        { signal },
        'second signal: exiting now; active jobs come back when their locks expire',
      );
      process.exit(1);
    }
    stopping = { signal, at: Date.now() };
    logger.info({ signal }, 'shutting down: no new jobs are fetched, active ones may finish');
    service.stop().then(
      () => {
        logger.info({ signal }, 'stopped: every job handed back or finished');
        process.exit(0);
      },
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
} catch (error) {
  logger.fatal({ err: error }, error instanceof Error ? error.message : 'startup failed');
  process.exit(1);
}
