import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveFfmpeg } from '../../../../src/shared/media/ffmpeg-binary.ts';
import {
  assertDubToolAvailable,
  ToolUnavailableError,
} from '../../../../src/shared/media/tool-unavailable.ts';

const dir = mkdtempSync(join(tmpdir(), 'ffmpeg-binary-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('resolveFfmpeg', () => {
  it('FFMPEG_PATH=none turns the tool off, whatever else is installed', () => {
    const binary = resolveFfmpeg({ FFMPEG_PATH: 'none', PATH: process.env.PATH });
    expect(binary).toEqual({
      available: false,
      reason: expect.stringContaining('FFMPEG_PATH=none') as unknown,
    });
  });

  it('takes FFMPEG_PATH when it names an executable file, and says so when it does not', () => {
    const tool = join(dir, 'my-ffmpeg');
    writeFileSync(tool, '#!/bin/sh\n');
    chmodSync(tool, 0o755);
    expect(resolveFfmpeg({ FFMPEG_PATH: tool })).toEqual({
      available: true,
      path: tool,
      source: 'env',
    });
    const missing = resolveFfmpeg({ FFMPEG_PATH: join(dir, 'absent') });
    expect(missing).toMatchObject({
      available: false,
      reason: expect.stringContaining('absent') as unknown,
    });
    const notExecutable = join(dir, 'plain');
    writeFileSync(notExecutable, '');
    expect(resolveFfmpeg({ FFMPEG_PATH: notExecutable }).available).toBe(false);
  });

  it('finds the npm package binary without FFMPEG_PATH or a PATH', () => {
    expect(resolveFfmpeg({ PATH: '' })).toMatchObject({
      available: true,
      source: 'installer',
      path: expect.stringContaining('@ffmpeg-installer') as unknown,
    });
  });

  it('memoizes the answer for the process environment', () => {
    expect(resolveFfmpeg()).toBe(resolveFfmpeg());
  });
});

describe('assertDubToolAvailable', () => {
  it('passes with ffmpeg, refuses with 422 tool_unavailable naming ffmpeg without it', () => {
    expect(() =>
      assertDubToolAvailable({ available: true, path: '/x/ffmpeg', source: 'path' }),
    ).not.toThrow();
    const refused = (() => {
      try {
        assertDubToolAvailable(resolveFfmpeg({ FFMPEG_PATH: 'none' }));
      } catch (error) {
        return error;
      }
      return null;
    })();
    expect(refused).toBeInstanceOf(ToolUnavailableError);
    expect(refused).toMatchObject({
      code: 'tool_unavailable',
      httpStatus: 422,
      retryable: false,
      message: expect.stringContaining('ffmpeg') as unknown,
      details: [{ field: 'type', code: 'tool_unavailable' }],
    });
  });
});
