/**
 * Entry point of the fault suite's worker processes: the real `src/main.ts`, plus a lifeline.
 * The test runner spawns this with an IPC channel; when that channel closes (the runner died
 * without its teardown), the worker dies too instead of consuming someone else's Redis forever.
 *
 * Usage: node --import tsx test/faults/support/worker-main.ts worker
 */
process.on('disconnect', () => process.kill(process.pid, 'SIGKILL'));
await import('../../../src/main.ts');
