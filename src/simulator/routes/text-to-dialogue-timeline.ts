/**
 * When each character of a dialogue is spoken: a fixed time per character (about 17 per
 * second, conversational speech), a pause between inputs, and a short tail of silence. The
 * audio is rendered to the timeline's length, so alignment and audio agree by construction.
 */

/** Seconds per character (code point), spaces and punctuation included. */
export const CHARACTER_SECONDS = 0.06;
/** Silence between two inputs (turns of the dialogue), seconds. */
export const INPUT_PAUSE_SECONDS = 0.3;
/** Silence after the last character, seconds: keeps the last frame of mp3 clear of speech. */
export const TAIL_SECONDS = 0.2;

/** `alignment` / `normalized_alignment` as the upstream sends them. */
export interface CharacterAlignment {
  characters: string[];
  character_start_times_seconds: number[];
  character_end_times_seconds: number[];
}

export interface VoiceSegment {
  voice_id: string;
  start_time_seconds: number;
  end_time_seconds: number;
  character_start_index: number;
  character_end_index: number;
  dialogue_input_index: number;
}

export interface DialogueTimeline {
  alignment: CharacterAlignment;
  voiceSegments: VoiceSegment[];
  /** Seconds of audio to render. */
  durationSeconds: number;
}

/** Upstream times carry millisecond precision. */
export const roundMs = (seconds: number): number => Math.round(seconds * 1000) / 1000;

/**
 * The timeline of `inputs`, spoken in order. Characters are the inputs' texts concatenated
 * (code points), and voice segment indices point into that list.
 */
export function dialogueTimeline(
  inputs: readonly { text: string; voiceId: string }[],
): DialogueTimeline {
  const alignment: CharacterAlignment = {
    characters: [],
    character_start_times_seconds: [],
    character_end_times_seconds: [],
  };
  const voiceSegments: VoiceSegment[] = [];
  let clock = 0;
  inputs.forEach((input, index) => {
    if (index > 0) clock += INPUT_PAUSE_SECONDS;
    const first = alignment.characters.length;
    const segmentStart = clock;
    for (const character of input.text) {
      alignment.characters.push(character);
      alignment.character_start_times_seconds.push(roundMs(clock));
      clock += CHARACTER_SECONDS;
      alignment.character_end_times_seconds.push(roundMs(clock));
    }
    voiceSegments.push({
      voice_id: input.voiceId,
      start_time_seconds: roundMs(segmentStart),
      end_time_seconds: roundMs(clock),
      character_start_index: first,
      character_end_index: alignment.characters.length,
      dialogue_input_index: index,
    });
  });
  return { alignment, voiceSegments, durationSeconds: roundMs(clock + TAIL_SECONDS) };
}
