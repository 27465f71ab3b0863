/**
 * Entry point of the fault suite's service processes (workers, and the api for the intake crash
 * scenarios): the real `src/main.ts`, plus a lifeline. The test runner spawns this with an IPC
 * channel; when that channel closes (the runner died without its teardown), the process dies
 * too instead of consuming someone else's Redis forever.
 *
 * Usage: node --import tsx test/faults/support/service-main.ts worker|api
 */
process.on('disconnect', () => process.kill(process.pid, 'SIGKILL'));
await import('../../../src/main.ts');
