import {
  DEFAULT_OUTPUT_FORMAT,
  SPEECH_TO_SPEECH_OUTPUT_FORMATS,
  SPEECH_TO_SPEECH_STREAM_OUTPUT_FORMATS,
  parseOutputFormat,
  type OutputFormat,
} from '../audio/output-formats.ts';
import { IssueCollector, type ValidationIssue } from '../validation.ts';

/** A text-to-dialogue request that passed the upstream's schema (seeds/004). */
export interface DialogueRequest {
  outputFormat: OutputFormat;
  inputs: { text: string; voiceId: string }[];
  modelId: string;
  languageCode: string | null;
  stability: number | null;
  locators: { id: string; versionId: string | null }[];
  seed: number | null;
  applyTextNormalization: string;
}

export type DialogueParseOutcome =
  { ok: true; request: DialogueRequest } | { ok: false; issues: ValidationIssue[] };

type Loc = (string | number)[];
const MAX_LOCATORS = 3;
const MAX_SEED = 4_294_967_295;

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** pydantic's checks for the JSON types the body uses, reporting into `issues`. */
class JsonChecks {
  constructor(readonly issues: IssueCollector) {}

  object(value: unknown, loc: Loc): Record<string, unknown> | undefined {
    if (isObject(value)) return value;
    const msg = 'Input should be a valid dictionary or object to extract fields from';
    this.issues.add(loc, msg, 'model_attributes_type');
    return undefined;
  }

  list(value: unknown, loc: Loc): unknown[] | undefined {
    if (Array.isArray(value)) return value as unknown[];
    this.issues.add(loc, 'Input should be a valid list', 'list_type');
    return undefined;
  }

  /** A string field the body must have. */
  requiredString(value: unknown, loc: Loc): string | undefined {
    if (value === undefined) this.issues.add(loc, 'Field required', 'missing');
    return value === undefined ? undefined : this.optionalString(value, loc);
  }

  /** An optional string field that may not be null (`model_id: string` in the spec). */
  optionalString(value: unknown, loc: Loc): string | undefined {
    if (typeof value === 'string' || value === undefined) return value;
    this.issues.add(loc, 'Input should be a valid string', 'string_type');
    return undefined;
  }

  /** An optional string field that may be null (`string | null` in the spec). */
  nullableString(value: unknown, loc: Loc): string | undefined {
    return value === null ? undefined : this.optionalString(value, loc);
  }

  integer(value: unknown, loc: Loc, min: number, max: number): number | undefined {
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      this.issues.add(loc, 'Input should be a valid integer', 'int_type');
    } else if (!Number.isInteger(value)) {
      const msg = 'Input should be a valid integer, got a number with a fractional part';
      this.issues.add(loc, msg, 'int_from_float');
    } else return this.issues.range(value, loc, min, max);
    return undefined;
  }

  number(value: unknown, loc: Loc): number | undefined {
    if (value === undefined || value === null) return undefined;
    if (typeof value === 'number' && Number.isFinite(value)) return value;
    this.issues.add(loc, 'Input should be a valid number', 'float_type');
    return undefined;
  }
}

function parseInputs(json: JsonChecks, value: unknown): DialogueRequest['inputs'] {
  if (value === undefined) {
    json.issues.add(['body', 'inputs'], 'Field required', 'missing');
    return [];
  }
  const items = json.list(value, ['body', 'inputs']) ?? [];
  return items.flatMap((item, index) => {
    const loc = ['body', 'inputs', index];
    const input = json.object(item, loc);
    if (!input) return [];
    const text = json.requiredString(input.text, [...loc, 'text']);
    const voiceId = json.requiredString(input.voice_id, [...loc, 'voice_id']);
    return text === undefined || voiceId === undefined ? [] : [{ text, voiceId }];
  });
}

function parseLocators(json: JsonChecks, value: unknown): DialogueRequest['locators'] {
  const loc = ['body', 'pronunciation_dictionary_locators'];
  if (value === undefined || value === null) return [];
  const items = json.list(value, loc) ?? [];
  if (items.length > MAX_LOCATORS) {
    const msg = `List should have at most ${MAX_LOCATORS} items after validation, not ${items.length}`;
    json.issues.add(loc, msg, 'too_long');
  }
  return items.flatMap((item, index) => {
    const locator = json.object(item, [...loc, index]);
    if (!locator) return [];
    const idLoc = [...loc, index, 'pronunciation_dictionary_id'];
    const id = json.requiredString(locator.pronunciation_dictionary_id, idLoc);
    const versionId = json.nullableString(locator.version_id, [...loc, index, 'version_id']);
    return id === undefined ? [] : [{ id, versionId: versionId ?? null }];
  });
}

function parseStability(json: JsonChecks, value: unknown): number | null {
  if (value === undefined || value === null) return null;
  const settings = json.object(value, ['body', 'settings']);
  return json.number(settings?.stability, ['body', 'settings', 'stability']) ?? null;
}

/**
 * Validates query and JSON body of `POST /v1/text-to-dialogue[/stream][/with-timestamps]` like
 * the upstream: every problem, query first. Unknown body keys are ignored (pydantic's default).
 * The stream variants accept no `wav_*` format.
 */
export function parseDialogueRequest(
  query: URLSearchParams,
  body: unknown,
  stream: boolean,
): DialogueParseOutcome {
  const issues = new IssueCollector();
  const json = new JsonChecks(issues);
  const formats = stream ? SPEECH_TO_SPEECH_STREAM_OUTPUT_FORMATS : SPEECH_TO_SPEECH_OUTPUT_FORMATS;
  const formatName = issues.oneOf(query.get('output_format') || DEFAULT_OUTPUT_FORMAT, formats, [
    'query',
    'output_format',
  ]);
  issues.boolean(query.get('enable_logging') || undefined, ['query', 'enable_logging']);
  const fields = json.object(body, ['body']) ?? {};
  const inputs = isObject(body) ? parseInputs(json, fields.inputs) : [];
  const modelId = json.optionalString(fields.model_id, ['body', 'model_id']);
  const languageCode = json.nullableString(fields.language_code, ['body', 'language_code']);
  const stability = parseStability(json, fields.settings);
  const locators = parseLocators(json, fields.pronunciation_dictionary_locators);
  const seed = json.integer(fields.seed, ['body', 'seed'], 0, MAX_SEED);
  const normalizationLoc = ['body', 'apply_text_normalization'];
  const normalization = json.optionalString(fields.apply_text_normalization, normalizationLoc);
  const modes = ['auto', 'on', 'off'] as const;
  const applyTextNormalization = issues.oneOf(normalization, modes, normalizationLoc);
  const outputFormat = formatName === undefined ? null : parseOutputFormat(formatName);
  if (issues.issues.length > 0 || !outputFormat) return { ok: false, issues: issues.issues };
  return {
    ok: true,
    request: {
      outputFormat,
      inputs,
      modelId: modelId ?? 'eleven_v3',
      languageCode: languageCode ?? null,
      stability,
      locators,
      seed: seed ?? null,
      applyTextNormalization: applyTextNormalization ?? 'auto',
    },
  };
}
