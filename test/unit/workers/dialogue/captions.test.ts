import { describe, expect, it } from 'vitest';
import { buildCaptionCues } from '../../../../src/workers/dialogue/caption-cues.ts';
import {
  formatCueTime,
  renderSrt,
  renderVtt,
} from '../../../../src/workers/dialogue/captions-format.ts';
import { parseSrt, parseVtt } from './caption-parsers.ts';
import { documentOf } from './timeline-fixtures.ts';

const LONG =
  'This line goes on and on well past what anyone can read in one caption, so it must be ' +
  'split into several cues at the spaces between its words and never inside a word.';

describe('captions', () => {
  it('gives one cue per short voice segment, labelled with the voice, in both formats', () => {
    const document = documentOf([
      { text: 'Knock knock.', voice: 'voiceA' },
      { text: "Who's there?", voice: 'voiceB' },
    ]);
    const cues = buildCaptionCues(document);
    const vtt = parseVtt(renderVtt(cues));
    const srt = parseSrt(renderSrt(cues));
    for (const parsed of [vtt, srt]) {
      expect(parsed.map(({ voice, text }) => [voice, text])).toEqual([
        ['voiceA', 'Knock knock.'],
        ['voiceB', "Who's there?"],
      ]);
      // Times are the segments' own, to the millisecond.
      expect(parsed[0]?.start).toBeCloseTo(0, 3);
      expect(parsed[0]?.end).toBeCloseTo(0.6, 3);
      expect(parsed[1]?.start).toBeCloseTo(0.9, 3);
      expect(parsed[1]?.end).toBeCloseTo(1.5, 3);
    }
    expect(renderVtt(cues)).toContain('\n<v voiceA>Knock knock.\n');
    expect(renderSrt(cues)).toContain("\n[voiceB] Who's there?\n");
  });

  it('splits a long segment at word boundaries within 84 characters and 7 seconds', () => {
    const document = documentOf([
      { text: 'Hi.', voice: 'v1' },
      { text: LONG, voice: 'v2', charSeconds: 0.06 },
    ]);
    const parsed = parseVtt(renderVtt(buildCaptionCues(document)));
    const long = parsed.filter((cue) => cue.voice === 'v2');
    expect(long.length).toBeGreaterThan(1);
    // Joined back, the cues are the text: nothing lost, nothing cut inside a word.
    expect(long.map((cue) => cue.text).join(' ')).toBe(LONG);
    for (const cue of long) {
      expect(cue.text.length).toBeLessThanOrEqual(84);
      expect(cue.end - cue.start).toBeLessThanOrEqual(7);
    }
    for (let i = 1; i < long.length; i++) {
      expect(long[i]?.start).toBeGreaterThanOrEqual(long[i - 1]?.end ?? Infinity);
    }
  });

  it('splits on duration alone when speech is slow', () => {
    const document = documentOf([
      { text: 'one two three four five six', voice: 'slow', charSeconds: 0.5 },
    ]);
    const parsed = parseSrt(renderSrt(buildCaptionCues(document)));
    expect(parsed.length).toBeGreaterThan(1);
    expect(parsed.map((cue) => cue.text).join(' ')).toBe('one two three four five six');
    for (const cue of parsed) expect(cue.end - cue.start).toBeLessThanOrEqual(7);
  });

  it('leaves eleven_v3 audio tags out and escapes markup in WebVTT', () => {
    const document = documentOf([
      { text: '[laughs] Tom & <Jerry> --> run [whispers loudly]', voice: 'v' },
    ]);
    const cues = buildCaptionCues(document);
    expect(cues.map((cue) => cue.text)).toEqual(['Tom & <Jerry> --> run']);
    expect(renderVtt(cues)).toContain('<v v>Tom &amp; &lt;Jerry&gt; --&gt; run');
    expect(parseVtt(renderVtt(cues))[0]?.text).toBe('Tom & <Jerry> --> run');
  });

  it('writes a header only when there is nothing to caption', () => {
    expect(renderVtt([])).toBe('WEBVTT\n');
    expect(renderSrt([])).toBe('');
    expect(
      buildCaptionCues({ alignment: null, normalized_alignment: null, voice_segments: [] }),
    ).toEqual([]);
  });

  it('formats hours, minutes and milliseconds', () => {
    expect(formatCueTime(3_723_004, '.')).toBe('01:02:03.004');
    expect(formatCueTime(59_999.6, ',')).toBe('00:01:00,000');
  });
});
