import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { JobClass } from '../../../src/shared/jobs/job-types.ts';
import { slotLimitedClient } from '../../../src/workers/slots/slot-limited-client.ts';
import type { SlotLease, UpstreamSlots } from '../../../src/workers/slots/upstream-slots.ts';
import type {
  UpstreamCall,
  UpstreamClient,
  UpstreamResponse,
} from '../../../src/workers/upstream/upstream-client.ts';
import { UpstreamError } from '../../../src/workers/upstream/upstream-error.ts';

/** A strict fake pool: records acquisitions and how each lease was released. */
function fakeSlots() {
  const releases: string[] = [];
  const lost = new AbortController();
  let acquired = 0;
  const slots = {
    acquire: (jobClass: JobClass, signal: AbortSignal): Promise<SlotLease> => {
      expect(jobClass).toBe('speech');
      signal.throwIfAborted();
      acquired += 1;
      return Promise.resolve({ lost: lost.signal, release: (how) => void releases.push(how) });
    },
  } as unknown as UpstreamSlots;
  return { slots, releases, lost, acquired: () => acquired };
}

/** A client whose one call answers with `respond`. */
function fakeClient(respond: (call: UpstreamCall) => Promise<UpstreamResponse>): UpstreamClient {
  return { call: respond, close: () => Promise.reject(new Error('unexpected close')) };
}

const call = (signal = new AbortController().signal): UpstreamCall => ({
  path: '/v1/x',
  body: { contentType: 'text/plain', body: '' },
  signal,
});

function response(body: PassThrough): UpstreamResponse {
  return { status: 200, headers: {}, contentLength: null, body };
}

describe('slotLimitedClient', () => {
  it('holds the slot until the body has been read to its end', async () => {
    const fake = fakeSlots();
    const body = new PassThrough();
    const client = slotLimitedClient(
      fakeClient(() => Promise.resolve(response(body))),
      fake.slots,
      'speech',
    );
    const answer = await client.call(call());
    expect(fake.releases).toEqual([]);
    body.end('audio');
    for await (const _chunk of answer.body) {
      /* drain */
    }
    await new Promise((resolve) => setImmediate(resolve));
    expect(fake.releases).toEqual(['completed']);
    expect(client.calls).toBe(1);
  });

  it('frees an abandoned body as aborted, and a refused call at once', async () => {
    const fake = fakeSlots();
    const body = new PassThrough();
    let refuse = false;
    const client = slotLimitedClient(
      fakeClient(() =>
        refuse
          ? Promise.reject(
              new UpstreamError({
                kind: 'retryable',
                status: 500,
                upstreamCode: null,
                message: 'x',
              }),
            )
          : Promise.resolve(response(body)),
      ),
      fake.slots,
      'speech',
    );
    await client.call(call());
    body.destroy();
    await new Promise((resolve) => setImmediate(resolve));
    expect(fake.releases).toEqual(['aborted']);
    refuse = true;
    await expect(client.call(call())).rejects.toBeInstanceOf(UpstreamError);
    expect(fake.releases).toEqual(['aborted', 'completed']);
    expect(client.calls).toBe(2);
  });

  it('releaseAll frees what a job never read, and a lost lease aborts the call', async () => {
    const fake = fakeSlots();
    let seen: AbortSignal | undefined;
    const client = slotLimitedClient(
      fakeClient((upstreamCall) => {
        seen = upstreamCall.signal;
        return Promise.resolve(response(new PassThrough()));
      }),
      fake.slots,
      'speech',
    );
    await client.call(call());
    fake.lost.abort('lost');
    expect(seen?.aborted).toBe(true);
    client.releaseAll();
    client.releaseAll();
    expect(fake.releases).toEqual(['aborted']);
  });

  it('makes no call, and counts none, when the slot wait fails', async () => {
    const fake = fakeSlots();
    const controller = new AbortController();
    controller.abort('canceled');
    const client = slotLimitedClient(
      fakeClient(() => Promise.reject(new Error('unexpected call'))),
      fake.slots,
      'speech',
    );
    await expect(client.call(call(controller.signal))).rejects.toBe('canceled');
    expect(client.calls).toBe(0);
    expect(fake.acquired()).toBe(0);
  });
});
