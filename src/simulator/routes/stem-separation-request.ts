import { parseOutputFormat, type OutputFormat } from '../audio/output-formats.ts';
import type { FormFile, ParsedForm } from '../request-body.ts';
import { IssueCollector, type ValidationIssue } from '../validation.ts';

/** `output_format` values of `POST /v1/music/stem-separation`, in the OpenAPI page's order. */
export const STEM_SEPARATION_OUTPUT_FORMATS = [
  'mp3_22050_32',
  'mp3_24000_48',
  'mp3_44100_32',
  'mp3_44100_64',
  'mp3_44100_96',
  'mp3_44100_128',
  'mp3_44100_192',
  'pcm_8000',
  'pcm_16000',
  'pcm_22050',
  'pcm_24000',
  'pcm_32000',
  'pcm_44100',
  'pcm_48000',
  'ulaw_8000',
  'alaw_8000',
  'opus_48000_32',
  'opus_48000_64',
  'opus_48000_96',
  'opus_48000_128',
  'opus_48000_192',
] as const;

export const STEM_VARIATIONS = ['two_stems_v1', 'six_stems_v1'] as const;
export type StemVariation = (typeof STEM_VARIATIONS)[number];

/** The page gives no defaults; these are the SDK docs' examples and the product's choice. */
const DEFAULT_OUTPUT_FORMAT = 'mp3_44100_128';
const DEFAULT_VARIATION: StemVariation = 'six_stems_v1';

/** A validated stem separation request. */
export interface StemSeparationRequest {
  outputFormat: OutputFormat;
  file: FormFile;
  variation: StemVariation;
  signWithC2pa: boolean;
}

export type StemParseOutcome =
  { ok: true; request: StemSeparationRequest } | { ok: false; issues: ValidationIssue[] };

// FastAPI treats an empty form or query value as absent, so the default applies.
function present(value: string | null | undefined): string | undefined {
  return value === null || value === undefined || value === '' ? undefined : value;
}

function parseFileField(form: ParsedForm, issues: IssueCollector): FormFile | undefined {
  const file = form.files.get('file');
  if (file) return file;
  if (form.fields.has('file')) {
    const msg = "Value error, Expected UploadFile, received: <class 'str'>";
    issues.add(['body', 'file'], msg, 'value_error');
  } else issues.add(['body', 'file'], 'Field required', 'missing');
  return undefined;
}

/** Validates query and form like the upstream: every problem, query first, then body. */
export function parseStemSeparationRequest(
  query: URLSearchParams,
  form: ParsedForm,
): StemParseOutcome {
  const issues = new IssueCollector();
  const formatName = issues.oneOf(
    present(query.get('output_format')) ?? DEFAULT_OUTPUT_FORMAT,
    STEM_SEPARATION_OUTPUT_FORMATS,
    ['query', 'output_format'],
  );
  const file = parseFileField(form, issues);
  const field = (name: string): string | undefined => present(form.fields.get(name));
  const variation = issues.oneOf(field('stem_variation_id'), STEM_VARIATIONS, [
    'body',
    'stem_variation_id',
  ]);
  const sign = issues.boolean(field('sign_with_c2pa'), ['body', 'sign_with_c2pa']);
  const outputFormat = formatName === undefined ? null : parseOutputFormat(formatName);
  if (issues.issues.length > 0 || !file || !outputFormat) {
    return { ok: false, issues: issues.issues };
  }
  return {
    ok: true,
    request: {
      outputFormat,
      file,
      variation: variation ?? DEFAULT_VARIATION,
      signWithC2pa: sign ?? false,
    },
  };
}
