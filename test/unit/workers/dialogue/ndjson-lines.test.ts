import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ndjsonLines } from '../../../../src/workers/dialogue/ndjson-lines.ts';
import { UpstreamError } from '../../../../src/workers/upstream/upstream-error.ts';

async function collect(pieces: string[], max = 1024): Promise<string[]> {
  const lines: string[] = [];
  for await (const line of ndjsonLines(Readable.from(pieces.map((p) => Buffer.from(p))), max))
    lines.push(line);
  return lines;
}

describe('ndjsonLines', () => {
  it('reassembles lines cut anywhere, in CRLF or LF, skipping blank ones', async () => {
    const text = '{"a":1}\n{"b":"é"}\r\n\n{"c":3}';
    const whole = await collect([text]);
    expect(whole).toEqual(['{"a":1}', '{"b":"é"}', '{"c":3}']);
    const bytes = Buffer.from(text);
    for (let cut = 1; cut < bytes.length; cut++) {
      const pieces = [bytes.subarray(0, cut), bytes.subarray(cut)];
      const lines: string[] = [];
      for await (const line of ndjsonLines(Readable.from(pieces), 1024)) lines.push(line);
      expect(lines).toEqual(whole);
    }
  });

  it('tolerates SSE framing, should the stream ever come as text/event-stream', async () => {
    expect(await collect([': hello\nevent: chunk\ndata: {"a":1}\n\ndata: [DONE]\n\n'])).toEqual([
      '{"a":1}',
    ]);
  });

  it('refuses a line over the cap as a retryable upstream failure', async () => {
    const error = await collect(['x'.repeat(40), 'y'.repeat(40)], 64).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UpstreamError);
    expect((error as UpstreamError).kind).toBe('retryable');
  });
});
