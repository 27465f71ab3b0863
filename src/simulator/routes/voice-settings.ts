import type { IssueCollector } from '../validation.ts';

/** Speech-to-speech voice settings, as far as the request gave them. */
export interface VoiceSettings {
  stability?: number;
  similarity_boost?: number;
  style?: number;
  use_speaker_boost?: boolean;
  speed?: number;
}

// Ranges from upstream.md; keys outside this table are ignored, as the upstream model does.
const NUMBER_RANGES = {
  stability: [0, 1],
  similarity_boost: [0, 1],
  style: [0, 1],
  speed: [0.7, 1.2],
} as const;

/**
 * Parses the `voice_settings` form field: a JSON-encoded object (a string on the wire, not a
 * nested part). Issues are reported under `["body", "voice_settings", ...]`.
 */
export function parseVoiceSettings(
  text: string,
  issues: IssueCollector,
): VoiceSettings | undefined {
  const loc = ['body', 'voice_settings'];
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    issues.add(loc, `Invalid JSON: ${(error as Error).message}`, 'json_invalid');
    return undefined;
  }
  if (value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) {
    issues.add(
      loc,
      'Input should be a valid dictionary or instance of VoiceSettings',
      'model_type',
    );
    return undefined;
  }
  const input = value as Record<string, unknown>;
  const settings: VoiceSettings = {};
  const before = issues.issues.length;
  for (const [key, [min, max]] of Object.entries(NUMBER_RANGES)) {
    const item = input[key];
    if (item === undefined || item === null) continue;
    if (typeof item !== 'number' || !Number.isFinite(item)) {
      issues.add([...loc, key], 'Input should be a valid number', 'float_type');
      continue;
    }
    const checked = issues.range(item, [...loc, key], min, max);
    if (checked !== undefined) settings[key as keyof typeof NUMBER_RANGES] = checked;
  }
  const boost = input.use_speaker_boost;
  if (typeof boost === 'boolean') settings.use_speaker_boost = boost;
  else if (boost !== undefined && boost !== null) {
    issues.add([...loc, 'use_speaker_boost'], 'Input should be a valid boolean', 'bool_type');
  }
  return issues.issues.length > before ? undefined : settings;
}

/** A stable string for hashing: known keys in a fixed order. */
export function canonicalVoiceSettings(settings: VoiceSettings | undefined): string {
  if (!settings) return 'null';
  const { stability, similarity_boost, style, use_speaker_boost, speed } = settings;
  return JSON.stringify([stability, similarity_boost, style, use_speaker_boost, speed]);
}
