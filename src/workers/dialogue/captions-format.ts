import type { CaptionCue } from './caption-cues.ts';

/** `HH:MM:SS.mmm` (WebVTT) or `HH:MM:SS,mmm` (SRT) for a whole number of milliseconds. */
export function formatCueTime(milliseconds: number, separator: '.' | ','): string {
  const ms = Math.max(0, Math.round(milliseconds));
  const pad = (value: number, width = 2) => String(value).padStart(width, '0');
  const hours = Math.floor(ms / 3_600_000);
  const minutes = Math.floor(ms / 60_000) % 60;
  const seconds = Math.floor(ms / 1000) % 60;
  return `${pad(hours)}:${pad(minutes)}:${pad(seconds)}${separator}${pad(ms % 1000, 3)}`;
}

/** Cue times in ms, the end strictly after the start once rounded (both formats need it). */
function timesOf(cue: CaptionCue): [number, number] {
  const start = Math.round(cue.start * 1000);
  return [start, Math.max(start + 1, Math.round(cue.end * 1000))];
}

// Cue text must not hold markup characters or "-->"; escaping `>` covers the arrow too.
function escapeVtt(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

// A voice annotation ends at `>` and may not break the line.
function voiceAnnotation(voiceId: string): string {
  return voiceId.replace(/[>\r\n&<]/g, '_');
}

/** WebVTT with the speaker's voice id as each cue's voice: `<v voice_id>text`. */
export function renderVtt(cues: readonly CaptionCue[]): string {
  const blocks = cues.map((cue, index) => {
    const [start, end] = timesOf(cue);
    const timing = `${formatCueTime(start, '.')} --> ${formatCueTime(end, '.')}`;
    return `${index + 1}\n${timing}\n<v ${voiceAnnotation(cue.voiceId)}>${escapeVtt(cue.text)}\n`;
  });
  return ['WEBVTT\n', ...blocks].join('\n');
}

/** SubRip, the speaker's voice id as a `[voice_id]` label before each cue's text. */
export function renderSrt(cues: readonly CaptionCue[]): string {
  const blocks = cues.map((cue, index) => {
    const [start, end] = timesOf(cue);
    const timing = `${formatCueTime(start, ',')} --> ${formatCueTime(end, ',')}`;
    const label = cue.voiceId.replace(/[\r\n\]]/g, '_');
    return `${index + 1}\n${timing}\n[${label}] ${cue.text}\n`;
  });
  return blocks.join('\n');
}
