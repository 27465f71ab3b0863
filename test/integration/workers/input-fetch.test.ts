import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../../../src/shared/errors.ts';
import { toJobError } from '../../../src/workers/error-mapping.ts';
import { createInputFetcher } from '../../../src/workers/inputs/fetch-input-url.ts';
import { tableResolver } from '../../support/test-resolver.ts';

/**
 * The input fetcher checks the address inside the connection's own lookup, so a name that
 * passed the intake's check and resolves elsewhere at fetch time (DNS rebinding) is refused,
 * and a DNS failure is a clear job error rather than "the upstream body failed".
 */
describe('input URL fetcher', () => {
  let server: Server;
  let port: number;
  beforeAll(async () => {
    server = createServer((_request, response) => response.end('RIFF-bytes'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  // What the name answered at intake does not matter: the connection asks again.
  const rebinding = tableResolver({ 'rebind.example': ['127.0.0.1'] });
  const strict = createInputFetcher({ allowPrivate: false }, 5_000, rebinding);
  const open = createInputFetcher({ allowPrivate: true }, 5_000, rebinding);
  afterAll(async () => {
    await Promise.all([strict.close(), open.close()]);
  });

  async function failure(promise: Promise<unknown>): Promise<AppError> {
    const error = await promise.then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(AppError);
    return error as AppError;
  }

  it('refuses a name that resolves to loopback at connect time, for good', async () => {
    const error = await failure(
      strict.fetchInput('https://rebind.example/a.wav', new AbortController().signal),
    );
    expect(error.code).toBe('input_url_not_allowed');
    expect(toJobError(error)).toMatchObject({ code: 'input_url_not_allowed', retryable: false });
  });

  it('fails the job with input_url_unresolvable when the host does not resolve', async () => {
    const error = await failure(
      strict.fetchInput('https://no-such-host.invalid/a.wav', new AbortController().signal),
    );
    const jobError = toJobError(error);
    expect(jobError).toMatchObject({ code: 'input_url_unresolvable', retryable: false });
    expect(jobError.message).toContain('no-such-host.invalid');
    expect(jobError.message).not.toMatch(/upstream body/);
  });

  it('retries a refused connection as input_fetch_failed', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const closedPort = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const error = await failure(
      open.fetchInput(`http://127.0.0.1:${closedPort}/a.wav`, new AbortController().signal),
    );
    expect(toJobError(error)).toMatchObject({ code: 'input_fetch_failed', retryable: true });
  });

  it('fetches private addresses with ALLOW_PRIVATE_URLS, by literal and by name', async () => {
    for (const url of [`http://127.0.0.1:${port}/a.wav`, `http://rebind.example:${port}/a.wav`]) {
      const { body } = await open.fetchInput(url, new AbortController().signal);
      const chunks: Buffer[] = [];
      for await (const chunk of body) chunks.push(chunk as Buffer);
      expect(Buffer.concat(chunks).toString()).toBe('RIFF-bytes');
    }
  });
});
