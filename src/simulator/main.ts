import { startSimulator, loadSimulatorConfig } from './index.ts';

/**
 * `npm run simulator`: the simulator as its own process, configured from SIMULATOR_* variables
 * (see load-config.ts), for benchmarks and manual runs.
 */
async function main(): Promise<void> {
  const { host, port, config } = loadSimulatorConfig(process.env);
  const simulator = await startSimulator({ ...config, host, port });
  console.log(
    `audiobatch simulator listening on ${simulator.url} (control: ${simulator.url}/_simulator/counters)`,
  );
  const stop = (): void => {
    simulator.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error('simulator: close failed', error);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
