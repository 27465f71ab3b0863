import { finished } from 'node:stream';
import type { Metrics } from '../shared/metrics/metrics.ts';
import type { CallOwner, UsageLedger } from '../shared/usage/usage-ledger.ts';
import { headerInt, type UpstreamCallRecord } from '../shared/usage/usage.ts';
import type { SlotLimitedClient } from './slots/slot-limited-client.ts';
import type { UpstreamCall, UpstreamResponse } from './upstream/upstream-client.ts';
import { UpstreamError } from './upstream/upstream-error.ts';

/** Who the tracker's calls are for, and where they are counted. */
export interface CallTrackerOptions {
  ledger: UsageLedger;
  metrics: Metrics;
  job: CallOwner;
  attempt: number;
  runId: string;
  endpoint: string;
}

/**
 * Wraps the upstream client for one attempt. Every call that went out is counted in the usage
 * ledger as soon as its headers (or its failure) are known, before the body is read: a call
 * billed and then cut mid-body is counted all the same, and a worker killed while reading it
 * has already counted it. It also keeps what the attempt log wants of the last call: its
 * status, request id and kept headers.
 */
export class CallTracker {
  calls = 0;
  status: number | null = null;
  requestId: string | null = null;
  headers: Record<string, string> = {};
  /** performance.now() when the last call's body ended (read to its end or not), else null. */
  bodyEndedAt: number | null = null;

  constructor(
    private readonly client: SlotLimitedClient,
    private readonly signal: AbortSignal,
    private readonly options: CallTrackerOptions,
  ) {}

  readonly call = async (call: Omit<UpstreamCall, 'signal'>): Promise<UpstreamResponse> => {
    this.calls += 1;
    const sentBefore = this.client.calls;
    let response: UpstreamResponse;
    try {
      response = await this.client.call({ ...call, signal: this.signal });
    } catch (error) {
      if (error instanceof UpstreamError) {
        this.status = error.status;
        this.requestId = error.requestId;
        this.headers = { ...error.headers };
      }
      // A wait for a slot that failed sent nothing: nothing to count.
      if (this.client.calls > sentBefore) {
        const headers = error instanceof UpstreamError ? error.headers : {};
        await this.record(error instanceof UpstreamError ? error.status : null, headers);
      }
      throw error;
    }
    this.status = response.status;
    this.headers = { ...response.headers };
    this.requestId = response.headers['request-id'] ?? null;
    this.bodyEndedAt = null;
    finished(response.body, () => {
      this.bodyEndedAt = performance.now();
    });
    await this.record(response.status, response.headers);
    return response;
  };

  private async record(
    status: number | null,
    headers: Readonly<Record<string, string | undefined>>,
  ): Promise<void> {
    const { ledger, metrics, job, attempt, runId, endpoint } = this.options;
    const entry: UpstreamCallRecord = {
      attempt,
      run_id: runId,
      at: new Date().toISOString(),
      endpoint,
      status,
      request_id: headers['request-id'] ?? null,
      character_cost: headerInt(headers['character-cost']),
      character_count: headerInt(headers['x-character-count']),
      history_item_id: headers['history-item-id'] ?? null,
      song_id: headers['song-id'] ?? null,
    };
    await ledger.record(job, entry);
    const labels = { type: job.type, tenant: job.owner };
    const billed = entry.character_cost !== null;
    metrics.upstreamCalls.inc({ ...labels, billed: billed ? 'yes' : 'no' });
    if (billed) metrics.upstreamCharacters.inc(labels, entry.character_cost ?? 0);
  }
}
