/**
 * Deliberately strict little readers for what the captions writer produces, written from the
 * formats' rules (WebVTT: W3C; SubRip: the de-facto layout), not from the writer's code.
 */

export interface ParsedCue {
  id: string;
  start: number;
  end: number;
  voice: string;
  text: string;
}

const VTT_TIME = /^(\d{2,}):([0-5]\d):([0-5]\d)\.(\d{3})$/;
const SRT_TIME = /^(\d{2,}):([0-5]\d):([0-5]\d),(\d{3})$/;

function seconds(text: string, pattern: RegExp): number {
  const match = pattern.exec(text);
  if (!match) throw new Error(`bad timestamp "${text}"`);
  const [, h, m, s, ms] = match.map(Number) as [number, number, number, number, number];
  return h * 3600 + m * 60 + s + ms / 1000;
}

function timing(line: string, pattern: RegExp): [number, number] {
  const parts = line.split(' --> ');
  if (parts.length !== 2) throw new Error(`bad timing line "${line}"`);
  const start = seconds(parts[0] ?? '', pattern);
  const end = seconds(parts[1] ?? '', pattern);
  if (!(end > start)) throw new Error(`cue ends before it starts: "${line}"`);
  return [start, end];
}

function blocks(text: string): string[][] {
  if (text.includes('\r')) throw new Error('expected LF line endings');
  return text
    .split(/\n{2,}/)
    .map((block) => block.split('\n').filter((line) => line !== ''))
    .filter((lines) => lines.length > 0);
}

/** WebVTT: a `WEBVTT` header block, then cues; the payload must be one `<v voice>text` line. */
export function parseVtt(text: string): ParsedCue[] {
  const [header, ...cues] = blocks(text);
  if (header?.[0] !== 'WEBVTT') throw new Error('missing WEBVTT header');
  let previousStart = -1;
  return cues.map((lines) => {
    const [id = '', timingLine = '', payload = '', ...rest] = lines;
    if (rest.length > 0) throw new Error('expected a one-line payload');
    const [start, end] = timing(timingLine, VTT_TIME);
    if (start < previousStart) throw new Error('cues out of order');
    previousStart = start;
    const voice = /^<v ([^>\n]+)>(.*)$/.exec(payload);
    if (!voice) throw new Error(`payload without a voice span: "${payload}"`);
    const body = voice[2] ?? '';
    if (/[<>]|-->/.test(body)) throw new Error(`unescaped markup in "${body}"`);
    const decoded = body.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
    return { id, start, end, voice: voice[1] ?? '', text: decoded };
  });
}

/** SubRip: numbered blocks from 1, timing with a comma, `[voice] text`. */
export function parseSrt(text: string): ParsedCue[] {
  return blocks(text).map((lines, index) => {
    const [id = '', timingLine = '', payload = '', ...rest] = lines;
    if (id !== String(index + 1)) throw new Error(`cue ${index + 1} numbered "${id}"`);
    if (rest.length > 0) throw new Error('expected a one-line payload');
    const [start, end] = timing(timingLine, SRT_TIME);
    const label = /^\[([^\]\n]+)\] (.+)$/.exec(payload);
    if (!label) throw new Error(`payload without a [voice] label: "${payload}"`);
    return { id, start, end, voice: label[1] ?? '', text: label[2] ?? '' };
  });
}
