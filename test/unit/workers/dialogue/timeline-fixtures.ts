import type {
  CharacterAlignment,
  TimestampsDocument,
  VoiceSegment,
} from '../../../../src/workers/dialogue/dialogue-wire.ts';

/** One line of a dialogue for fixtures: text, voice, and how long each character takes. */
export interface Line {
  text: string;
  voice: string;
  charSeconds?: number;
  /** Silence before the line, seconds. */
  pause?: number;
}

/** A timestamps document for `lines` spoken in order, as an upstream would time them. */
export function documentOf(lines: readonly Line[]): TimestampsDocument {
  const alignment: CharacterAlignment = {
    characters: [],
    character_start_times_seconds: [],
    character_end_times_seconds: [],
  };
  const segments: VoiceSegment[] = [];
  let clock = 0;
  lines.forEach((line, index) => {
    clock += line.pause ?? (index > 0 ? 0.3 : 0);
    const first = alignment.characters.length;
    const start = clock;
    for (const character of line.text) {
      alignment.characters.push(character);
      alignment.character_start_times_seconds.push(clock);
      clock += line.charSeconds ?? 0.05;
      alignment.character_end_times_seconds.push(clock);
    }
    segments.push({
      voice_id: line.voice,
      start_time_seconds: start,
      end_time_seconds: clock,
      character_start_index: first,
      character_end_index: alignment.characters.length,
      dialogue_input_index: index,
    });
  });
  return { alignment, normalized_alignment: alignment, voice_segments: segments };
}
