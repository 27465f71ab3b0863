import { finished } from 'node:stream';
import type { UpstreamCall, UpstreamClient, UpstreamResponse } from './upstream/upstream-client.ts';
import { UpstreamError } from './upstream/upstream-error.ts';

/**
 * Wraps the upstream client for one attempt and remembers what the attempt log needs: how many
 * calls were made, and the last call's status, request id and kept headers.
 */
export class CallTracker {
  calls = 0;
  status: number | null = null;
  requestId: string | null = null;
  headers: Record<string, string> = {};
  /** performance.now() when the last call's body ended (read to its end or not), else null. */
  bodyEndedAt: number | null = null;

  constructor(
    private readonly client: UpstreamClient,
    private readonly signal: AbortSignal,
  ) {}

  readonly call = async (call: Omit<UpstreamCall, 'signal'>): Promise<UpstreamResponse> => {
    this.calls += 1;
    try {
      const response = await this.client.call({ ...call, signal: this.signal });
      this.status = response.status;
      this.headers = { ...response.headers };
      this.requestId = response.headers['request-id'] ?? null;
      this.bodyEndedAt = null;
      finished(response.body, () => {
        this.bodyEndedAt = performance.now();
      });
      return response;
    } catch (error) {
      if (error instanceof UpstreamError) {
        this.status = error.status;
        this.requestId = error.requestId;
      }
      throw error;
    }
  };
}
