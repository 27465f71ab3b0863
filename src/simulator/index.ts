import type { AddressInfo } from 'node:net';
import {
  DEFAULT_SIMULATOR_CONFIG,
  mergeConfig,
  parseConfigPatch,
  type SimulatorConfigPatch,
} from './config.ts';
import type { SimulatorCounters } from './counters.ts';
import { createSimulatorServer } from './server.ts';
import {
  applyConfigPatch,
  countersOf,
  createSimulatorState,
  resetSimulatorState,
} from './state.ts';

export {
  DEFAULT_SIMULATOR_CONFIG,
  FAULT_KINDS,
  SimulatorConfigError,
  type FaultKind,
  type SimulatorConfig,
  type SimulatorConfigPatch,
} from './config.ts';
export type { SimulatorCounters } from './counters.ts';
export { loadSimulatorConfig, type SimulatorStartup } from './load-config.ts';

/** A simulator listening on a port. */
export interface RunningSimulator {
  /** Base URL, e.g. `http://127.0.0.1:41234`: pass it as the SDK's `baseUrl`. */
  url: string;
  /** A snapshot of the counters (the same object `GET /_simulator/counters` serves). */
  counters(): SimulatorCounters;
  /** Applies a config patch, as `POST /_simulator/config` does; throws SimulatorConfigError. */
  configure(patch: SimulatorConfigPatch): void;
  /** Counters to zero and the fault queue emptied; the config is kept. */
  reset(): void;
  /** Stops listening and destroys open sockets, stalled ones included. */
  close(): Promise<void>;
}

/**
 * Starts a simulator: defaults overlaid with `config`, on `host` (default 127.0.0.1) and `port`
 * (default 0, a free port). Throws SimulatorConfigError for an invalid config.
 */
export async function startSimulator(
  config: SimulatorConfigPatch & { port?: number; host?: string } = {},
): Promise<RunningSimulator> {
  const { port = 0, host = '127.0.0.1', ...patch } = config;
  const state = createSimulatorState(
    mergeConfig(DEFAULT_SIMULATOR_CONFIG, parseConfigPatch(patch)),
  );
  const server = createSimulatorServer(state);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const hostPart = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${hostPart}:${address.port}`,
    counters: () => countersOf(state),
    configure: (patchToApply) => applyConfigPatch(state, parseConfigPatch(patchToApply)),
    reset: () => resetSimulatorState(state),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
