/** The parts of a mix the filter graph needs. */
export interface MixFilterOptions {
  vocalsGainDb: number;
  backgroundGainDb: number;
  loudnessLufs?: number;
  /** The encoded output's rate: loudnorm works at 192 kHz and must be brought back. */
  outputSampleRate: number;
}

/** Rate both tracks are brought to before they are summed. */
const MIX_SAMPLE_RATE = 48_000;

/**
 * The ffmpeg filter graph of a mix; input 0 is the vocals, input 1 the background, the result
 * is labelled `[mix]`. Both are made mono float at one rate and take their gain; the vocals are
 * padded with silence without end (`apad`), and `amerge` stops with its shortest input, so the
 * mix lasts exactly as long as the background whether the voice is shorter or longer. `pan`
 * then sums the two channels at full level: `amix` would halve each input, and its
 * `normalize=0` needs ffmpeg 4.4 while the @ffmpeg-installer build is 4.1.
 */
export function mixFilterGraph(options: MixFilterOptions): string {
  const prepare = `aformat=sample_fmts=fltp:sample_rates=${MIX_SAMPLE_RATE}:channel_layouts=mono`;
  const chain = [
    `[0:a]${prepare},volume=${decibels(options.vocalsGainDb)},apad[vocals]`,
    `[1:a]${prepare},volume=${decibels(options.backgroundGainDb)}[background]`,
    `[vocals][background]amerge=inputs=2,pan=mono|c0=c0+c1${loudness(options)}[mix]`,
  ];
  return chain.join(';');
}

function loudness(options: MixFilterOptions): string {
  const resample = `aresample=${options.outputSampleRate}`;
  if (options.loudnessLufs === undefined) return `,${resample}`;
  // Single pass: the dub mixes short clips, where a measuring first pass buys little.
  return `,loudnorm=I=${options.loudnessLufs}:TP=-1.5:LRA=11,${resample}`;
}

function decibels(gain: number): string {
  if (!Number.isFinite(gain)) throw new RangeError(`gain must be a finite number of dB: ${gain}`);
  return `${gain}dB`;
}
