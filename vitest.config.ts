import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          // Some unit tests encode real MP3 in pure JS: generous on a loaded 2-core machine.
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          // Real Redis, S3 and simulator processes: give them room, and run files in
          // separate forks so a crashed child never takes another file down with it.
          pool: 'forks',
          // Deadlines, not expectations: a loaded 2-core CI machine may run several times slower.
          testTimeout: 120_000,
          hookTimeout: 120_000,
          globalSetup: ['test/support/global-setup.ts'],
        },
      },
      {
        test: {
          // reliability.md's fault scenarios with real worker processes, Redis restarts and
          // kill -9. One file at a time: they measure limits and timeouts, so they must not
          // compete with each other (or the integration tests) for two cores.
          name: 'faults',
          include: ['test/faults/**/*.test.ts'],
          pool: 'forks',
          fileParallelism: false,
          testTimeout: 300_000,
          hookTimeout: 120_000,
          globalSetup: ['test/faults/support/report-setup.ts'],
        },
      },
    ],
  },
});
