import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ndjsonLines, submitBatch, waitForBatch } from '../batches/batch-helpers.ts';
import { submit, waitFinished, type Job } from '../e2e/e2e-helpers.ts';
import { startTestService, type TestService } from '../e2e/service-harness.ts';

const VOICES = ['JBFqnCBsd6RMkjVDRZzb', 'Aw4FAjKCGjjNkVhN1Xmq'];

/** A dialogue of two lines, `n` varying its text (and so its cost). */
function dialogue(n: number) {
  return {
    type: 'text_to_dialogue',
    params: {
      inputs: [
        { text: `Line ${n}: where were you last night?`, voice_id: VOICES[0] },
        { text: `At home, reading ${'very '.repeat(n % 5)}quietly.`, voice_id: VOICES[1] },
      ],
      output_format: 'pcm_16000',
    },
  };
}

function textCharacters(request: ReturnType<typeof dialogue>): number {
  return request.params.inputs.reduce((sum, input) => sum + [...input.text].length, 0);
}

type UsageFigures = { characters: number; calls: number; billed_calls: number };
type UsageJob = Job & {
  usage: UsageFigures;
  estimate: { characters: number | null };
  upstream: Job['upstream'] & { history_item_id: string | null };
};
type JobJson = {
  usage: UsageFigures;
  estimate: { characters: number | null };
  upstream: { history_item_id: string | null };
  calls: {
    status: number | null;
    character_cost: number | null;
    character_count: number | null;
    history_item_id: string | null;
    request_id: string | null;
  }[];
};

describe('usage: every upstream call counted', () => {
  let service: TestService;
  beforeAll(async () => {
    service = await startTestService({
      storage: 'file',
      env: { JOB_ATTEMPTS: '10', UPSTREAM_CONCURRENCY: '5', WORKER_CONCURRENCY: '10' },
    });
    service.simulator.configure({ concurrency: { speech: 5 } });
  });
  afterAll(async () => {
    await service?.stop();
  });

  it('counts a call billed and then cut mid-body, and a 500 that was not billed', async () => {
    service.simulator.configure({ faults: { next: ['truncated_body', 'error_500'] } });
    const request = { ...dialogue(1), cache: 'bypass' };
    const created = await submit(service, request);
    const job = (await waitFinished(service, created.id)) as UsageJob;
    const cost = textCharacters(dialogue(1));
    expect(job.status).toBe('succeeded');
    expect(job.usage).toEqual({ characters: 2 * cost, calls: 3, billed_calls: 2 });

    const root = new URL(service.config.STORAGE_URL).pathname;
    const jobJson = JSON.parse(
      await readFile(`${root}/jobs/${job.id}/job.json`, 'utf8'),
    ) as JobJson;
    expect(jobJson.usage).toEqual(job.usage);
    // The intake's estimate beside what the calls cost: one billed failure, so twice the estimate.
    expect(job.estimate).toEqual({ characters: cost });
    expect(jobJson.estimate).toEqual(job.estimate);
    expect(jobJson.calls.map((c) => [c.status, c.character_cost, c.character_count])).toEqual([
      [200, cost, cost],
      [500, null, null],
      [200, cost, cost],
    ]);
    const kept = jobJson.calls[2]!;
    expect(kept.history_item_id).toMatch(/^[A-Za-z0-9_-]{20}$/);
    expect(jobJson.calls[0]!.history_item_id).not.toBe(kept.history_item_id);
    expect(job.upstream?.history_item_id).toBe(kept.history_item_id);
    expect(jobJson.upstream.history_item_id).toBe(kept.history_item_id);
    expect(jobJson.calls.every((c) => c.request_id !== null)).toBe(true);
  });

  it('sums a 40-item batch under 25 % faults to what the upstream billed', async () => {
    service.simulator.configure({
      faults: { seed: 11, rates: { error_500: 0.09, truncated_body: 0.08, reset_mid_body: 0.08 } },
    });
    service.simulator.reset();
    const items = Array.from({ length: 40 }, (_, i) => ({ custom_id: `l${i}`, ...dialogue(i) }));
    const batch = await submitBatch(service, { items, defaults: { cache: 'bypass' } });
    const done = (await waitForBatch(service, batch.id)) as typeof batch & {
      usage: UsageFigures;
      estimate: { characters: number; unknown_items: number; difference: number };
    };
    service.simulator.configure({ faults: { rates: {} } });
    const billed = service.simulator.counters();
    expect(done.counts.succeeded).toBe(40);
    expect(done.usage.characters).toBe(billed.characters_billed);
    expect(done.usage.billed_calls).toBe(billed.billed_responses);
    const requests = Object.values(billed.requests).reduce((sum, n) => sum + n, 0);
    expect(done.usage.calls).toBe(requests);
    expect(billed.billed_responses).toBeGreaterThan(40); // some billed calls failed mid-body

    const response = await service.request(`/v1/batches/${batch.id}/results`);
    const lines = ndjsonLines<{
      custom_id: string;
      usage: UsageFigures;
      estimate: { characters: number };
      upstream: { history_item_id: string };
    }>(await response.text());
    const sum = (pick: (u: UsageFigures) => number) =>
      lines.reduce((total, line) => total + pick(line.usage), 0);
    expect(sum((u) => u.characters)).toBe(done.usage.characters);
    expect(sum((u) => u.calls)).toBe(done.usage.calls);
    expect(lines.every((line) => /^[A-Za-z0-9_-]{20}$/.test(line.upstream.history_item_id))).toBe(
      true,
    );

    // Estimate beside actual: per item its texts, in the batch their sum and the difference.
    const texts = new Map(items.map((item) => [item.custom_id, textCharacters(item)]));
    expect(lines.map((line) => line.estimate.characters)).toEqual(
      lines.map((line) => texts.get(line.custom_id)),
    );
    const estimated = [...texts.values()].reduce((total, n) => total + n, 0);
    expect(done.estimate).toEqual({
      characters: estimated,
      unknown_items: 0,
      difference: done.usage.characters - estimated,
    });
    expect(done.estimate.difference).toBeGreaterThan(0); // the billed failures
  });

  it('estimates a single job on a dry run from its texts, storing and calling nothing', async () => {
    const before = service.simulator.counters().requests;
    const listed = await service.json<{ data: unknown[] }>('/v1/jobs?limit=100');
    const { status, body } = await service.json<Record<string, unknown>>('/v1/jobs?dry_run=true', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(dialogue(7)),
    });
    expect(status).toBe(200);
    expect(body).toEqual({
      object: 'job_validation',
      valid: true,
      type: 'text_to_dialogue',
      estimate: { characters: textCharacters(dialogue(7)) },
    });
    expect(service.simulator.counters().requests).toEqual(before);
    expect((await service.json<{ data: unknown[] }>('/v1/jobs?limit=100')).body.data).toHaveLength(
      listed.body.data.length,
    );
    // A dry run validates like a submission: the same 422.
    const refused = await service.json<{ error: { code: string } }>('/v1/jobs?dry_run=true', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ...dialogue(7), params: { inputs: [] } }),
    });
    expect(refused.status).toBe(422);
  });

  it('estimates a dry run of 40 dialogue items from their texts, with no upstream call', async () => {
    const items = Array.from({ length: 40 }, (_, i) => ({ custom_id: `e${i}`, ...dialogue(i) }));
    const before = service.simulator.counters().requests;
    const { status, body } = await service.json<{
      estimate: { characters: number; unknown_items: number; items: { characters: number }[] };
    }>('/v1/batches?dry_run=true', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ items }),
    });
    expect(status).toBe(200);
    const texts = items.map((item) => textCharacters(item));
    expect(body.estimate.items.map((item) => item.characters)).toEqual(texts);
    expect(body.estimate.characters).toBe(texts.reduce((sum, n) => sum + n, 0));
    expect(body.estimate.unknown_items).toBe(0);
    expect(service.simulator.counters().requests).toEqual(before);
  });

  it('answers GET /v1/usage with the tenant’s totals, by day, type and batch', async () => {
    const [batches, all, byType, byBatch, byDay] = await Promise.all([
      service.json<{ data: { id: string; usage: UsageFigures }[] }>('/v1/batches'),
      service.json<UsageReport>('/v1/usage'),
      service.json<UsageReport>('/v1/usage?group_by=type'),
      service.json<UsageReport>('/v1/usage?group_by=batch'),
      service.json<UsageReport>('/v1/usage?group_by=day'),
    ]);
    expect(all.status).toBe(200);
    const batch = batches.body.data[0]!;
    // This file's two tests: one single job and the batch.
    expect(all.body.totals.characters).toBeGreaterThan(batch.usage.characters);
    expect(all.body.groups).toEqual([]);
    expect(byType.body.groups).toEqual([
      {
        key: 'text_to_dialogue',
        characters: all.body.totals.characters,
        calls: all.body.totals.calls,
      },
    ]);
    expect(byBatch.body.groups).toEqual([
      { key: batch.id, characters: batch.usage.characters, calls: batch.usage.calls },
    ]);
    const today = new Date().toISOString().slice(0, 10);
    expect(byDay.body.groups.map((g) => g.key)).toContain(today);
    expect(byDay.body.groups.reduce((sum, g) => sum + g.characters, 0)).toBe(
      all.body.totals.characters,
    );

    const empty = await service.json<UsageReport>('/v1/usage?from=2020-01-01&to=2020-01-31');
    expect(empty.body.totals).toEqual({ characters: 0, calls: 0, billed_calls: 0 });
    const backwards = await service.json<{ error: { details: { field: string }[] } }>(
      '/v1/usage?from=2026-02-01&to=2026-01-01',
    );
    expect(backwards.status).toBe(422);
    expect(backwards.body.error.details[0]?.field).toBe('to');
    const malformed = await service.json<{ error: { details: { field: string }[] } }>(
      '/v1/usage?from=yesterday',
    );
    expect(malformed.status).toBe(422);
    expect(malformed.body.error.details.map((d) => d.field)).toEqual(['from']);

    const metrics = await (await service.request('/metrics')).text();
    const counted =
      /audiobatch_upstream_characters_total\{type="text_to_dialogue",tenant="[^"]+"\} (\d+)/.exec(
        metrics,
      );
    expect(Number(counted?.[1])).toBe(all.body.totals.characters);
  });

  it('pauses a batch at max_characters with only in-flight calls beyond it, then resumes it', async () => {
    service.simulator.configure({ faults: { rates: {} } });
    const items = Array.from({ length: 60 }, (_, i) => ({
      custom_id: `b${i}`,
      ...dialogue(1_000 + i),
    }));
    const largest = Math.max(...items.map((item) => textCharacters(item)));
    const batch = await submitBatch(service, {
      items,
      defaults: { cache: 'bypass' },
      max_characters: 300,
    });
    type Budgeted = typeof batch & {
      usage: UsageFigures;
      max_characters: number | null;
      paused_reason: string | null;
    };
    const paused = (await waitForBatch(
      service,
      batch.id,
      (b) => b.status === 'paused' && b.counts.running === 0,
    )) as Budgeted;
    expect(paused.paused_reason).toBe('budget_exhausted');
    expect(paused.max_characters).toBe(300);
    expect(paused.usage.characters).toBeGreaterThanOrEqual(300);
    // Past the cap only by what was in flight when it was reached: at most one call per slot.
    expect(paused.usage.characters).toBeLessThan(300 + 5 * largest);
    expect(paused.counts).toMatchObject({ failed: 0, queued: 60 - paused.counts.succeeded });

    const resume = (body: object) =>
      service.json<Budgeted & { error?: { details: { field: string }[] } }>(
        `/v1/batches/${batch.id}/resume`,
        {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        },
      );
    const tooLow = await resume({ max_characters: paused.usage.characters });
    expect(tooLow.status).toBe(422);
    expect(tooLow.body.error?.details.map((d) => d.field)).toEqual(['max_characters']);
    const resumed = await resume({ max_characters: 1_000_000 });
    expect(resumed.status).toBe(200);
    expect(resumed.body.paused_reason).toBeNull();

    const done = (await waitForBatch(service, batch.id)) as Budgeted;
    expect(done.status).toBe('completed');
    expect(done.counts.succeeded).toBe(60);
    // No faults: one billed call per item, whatever the pause.
    const texts = items.reduce((sum, item) => sum + textCharacters(item), 0);
    expect(done.usage).toEqual({ characters: texts, calls: 60, billed_calls: 60 });
  });
});

type UsageReport = {
  totals: UsageFigures;
  groups: { key: string; characters: number; calls: number }[];
};
