import type { JobClass } from '../../shared/jobs/job-types.ts';
import type {
  UpstreamCall,
  UpstreamClient,
  UpstreamResponse,
} from '../upstream/upstream-client.ts';
import type { SlotLease, UpstreamSlots } from './upstream-slots.ts';

/** An attempt's upstream client: every call holds an account slot; `releaseAll` ends them. */
export interface SlotLimitedClient extends UpstreamClient {
  /** Calls that got a slot and went out: what the upstream saw (a wait that failed is none). */
  readonly calls: number;
  /** Frees every slot still held (a body nobody read to the end); the attempt is over. */
  releaseAll(): void;
}

/**
 * Wraps `client` so each call holds a slot of `jobClass` from before the request is sent until
 * its body has been read to the end (or the call failed). Leases lost mid-call abort the call.
 */
export function slotLimitedClient(
  client: UpstreamClient,
  slots: UpstreamSlots,
  jobClass: JobClass,
  /**
   * Runs once the slot is held, right before the call goes out; what it throws stops the call
   * (the budget check: a call that waited for a slot must not pass a cap reached meanwhile).
   */
  beforeSend: () => Promise<void> = () => Promise.resolve(),
): SlotLimitedClient {
  const open = new Set<SlotLease>();
  let calls = 0;
  const finish = (lease: SlotLease, how: 'completed' | 'aborted') => {
    open.delete(lease);
    lease.release(how);
  };

  async function call(upstreamCall: UpstreamCall): Promise<UpstreamResponse> {
    const lease = await slots.acquire(jobClass, upstreamCall.signal);
    open.add(lease);
    try {
      await beforeSend();
    } catch (error) {
      finish(lease, 'completed');
      throw error;
    }
    calls += 1;
    const signal = AbortSignal.any([upstreamCall.signal, lease.lost]);
    let response: UpstreamResponse;
    try {
      response = await client.call({ ...upstreamCall, signal });
    } catch (error) {
      finish(lease, signal.aborted ? 'aborted' : 'completed');
      throw error;
    }
    // 'close' follows 'end' (autoDestroy); a body destroyed before its end was cut by us.
    response.body.once('close', () =>
      finish(lease, response.body.readableEnded ? 'completed' : 'aborted'),
    );
    return response;
  }

  return {
    call,
    get calls() {
      return calls;
    },
    close: () => client.close(),
    releaseAll: () => {
      for (const lease of [...open]) finish(lease, 'aborted');
    },
  };
}
