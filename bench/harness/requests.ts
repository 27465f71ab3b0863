/**
 * The job requests the scenarios send: a small dialogue job (the common case) and a long
 * uncompressed music job (a big output, for memory).
 */

const LINES = [
  { text: 'Knock knock. Is anybody home this evening?', voice_id: 'JBFqnCBsd6RMkjVDRZzb' },
  { text: 'Who is there, at this hour of the night?', voice_id: 'Aw4FAjKCGjjNkVhN1Xmq' },
];

/** A small `text_to_dialogue` job; `seed` makes its fingerprint (absent: a random seed). */
export function dialogueRequest(seed?: number): object {
  return {
    type: 'text_to_dialogue',
    params: { inputs: LINES, ...(seed !== undefined && { seed }) },
  };
}

/** The upstream body the worker sends for {@link dialogueRequest}: what a script would send. */
export function dialogueUpstreamBody(seed: number): object {
  return { inputs: LINES, model_id: 'eleven_v3', seed };
}

/** 600 s of 44.1 kHz 16-bit mono PCM: a 52.9 MB output. */
export function bigMusicRequest(): object {
  return {
    type: 'music',
    params: {
      prompt: 'a slow ambient drone',
      music_length_ms: 600_000,
      output_format: 'pcm_44100',
    },
  };
}
export const BIG_MUSIC_BYTES = 600 * 44_100 * 2;
