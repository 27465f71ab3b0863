/**
 * `npm run start:api`. The process bootstrap (config, Redis, storage, queues, listening on
 * `intakeHost(config)`, signals and graceful close) is shared with `npm start` and lives
 * outside src/api; this entry point is wired to it there. The intake itself is `buildApp`.
 */
export { buildApp, type ApiDeps } from './app.ts';
