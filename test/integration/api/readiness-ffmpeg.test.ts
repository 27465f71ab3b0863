import { afterEach, describe, expect, it } from 'vitest';
import { createReadiness } from '../../../src/api/services/readiness.ts';
import { resolveFfmpeg } from '../../../src/shared/media/ffmpeg-binary.ts';
import { startApiHarness, type ApiHarness } from './api-harness.ts';

function resolvedSource(): string {
  const binary = resolveFfmpeg();
  if (!binary.available) throw new Error(`these tests need ffmpeg: ${binary.reason}`);
  return binary.source;
}

describe('/readyz reports ffmpeg, the tool dub jobs mix with', () => {
  let api: ApiHarness;
  afterEach(async () => {
    await api.close();
  });

  it('says where ffmpeg was found, without its path', async () => {
    api = await startApiHarness();
    const ready = await api.call({ method: 'GET', url: '/readyz' });
    expect(ready.statusCode).toBe(200);
    const body = ready.json<{ checks: { ffmpeg: unknown }; warnings: string[] }>();
    // `installer` here (the npm package); `env` or `path` where FFMPEG_PATH or Debian's wins.
    expect(body.checks.ffmpeg).toEqual({ status: 'ok', source: resolvedSource(), reason: null });
    expect(body.warnings).not.toContain('ffmpeg_unavailable');
    expect(ready.body).not.toContain('@ffmpeg-installer');
  });

  it('without ffmpeg: unavailable with the reason and a warning, still ready', async () => {
    api = await startApiHarness();
    const readiness = createReadiness(api.deps, {
      ffmpeg: () => resolveFfmpeg({ FFMPEG_PATH: 'none' }),
    });
    const report = await readiness();
    expect(report.status).toBe('ok');
    expect(report.checks.ffmpeg).toEqual({
      status: 'unavailable',
      source: null,
      reason: expect.stringContaining('FFMPEG_PATH=none') as unknown,
    });
    expect(report.warnings).toEqual(['ffmpeg_unavailable']);
  });
});
