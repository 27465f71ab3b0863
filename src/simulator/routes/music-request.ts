import type { z } from 'zod';
import { parseOutputFormat, type OutputFormat } from '../audio/output-formats.ts';
import { collectBody } from '../request-body.ts';
import { UpstreamHttpError } from '../upstream-errors.ts';
import { IssueCollector, validationErrorBody, type ValidationIssue } from '../validation.ts';
import { pydanticIssues } from './music-pydantic.ts';
import {
  MUSIC_OUTPUT_FORMATS,
  composeBodySchema,
  defaultMusicModel,
  planBodySchema,
  planSchemaFor,
  resolveMusicFormat,
  type MusicModel,
  type SimPlan,
} from './music-schemas.ts';
import { chunkProblems } from './music-chunk-rules.ts';
import type { RouteContext } from './route.ts';

/** A validated compose request (any of the three compose endpoints). */
export interface ComposeRequest {
  /** The format sent, `auto` already resolved for the model. */
  format: OutputFormat;
  model: MusicModel;
  prompt: string | null;
  plan: SimPlan | null;
  musicLengthMs: number | null;
  forceInstrumental: boolean;
  storeForInpainting: boolean;
  seed: number | null;
}

/** A validated `POST /v1/music/plan` request. */
export interface PlanRequest {
  prompt: string;
  musicLengthMs: number | null;
  source: SimPlan | null;
  model: MusicModel;
}

// Thirty sections of thirty 200-character lines fit many times over.
const MAX_BODY_BYTES = 2 * 1024 * 1024;

/** The JSON body, or a 422 in FastAPI's words when it is missing or does not parse. */
export async function readJsonBody(context: RouteContext): Promise<unknown> {
  const body = await collectBody(context.req, MAX_BODY_BYTES);
  if (body === null) throw new UpstreamHttpError(413, { detail: 'Request Entity Too Large' });
  if (body.length === 0) throw invalid([{ loc: ['body'], msg: 'Field required', type: 'missing' }]);
  try {
    return JSON.parse(body.toString('utf8')) as unknown;
  } catch {
    throw invalid([{ loc: ['body', 0], msg: 'JSON decode error', type: 'json_invalid' }]);
  }
}

/** Query and body of a compose endpoint, every problem listed (query first, as FastAPI). */
export function parseComposeRequest(query: URLSearchParams, body: unknown): ComposeRequest {
  const issues = new IssueCollector();
  const formatName = issues.oneOf(query.get('output_format') || 'auto', MUSIC_OUTPUT_FORMATS, [
    'query',
    'output_format',
  ]);
  const parsed = composeBodySchema.safeParse(body, { reportInput: true });
  if (!parsed.success) issues.issues.push(...pydanticIssues(parsed.error.issues, ['body']));
  if (!parsed.success || formatName === undefined) throw invalid(issues.issues);
  const fields = parsed.data;
  const plan = fields.composition_plan ?? null;
  const model = fields.model_id ?? defaultMusicModel(plan);
  checkModes(fields, issues);
  const checked =
    plan === null ? null : checkPlan(plan, model, ['body', 'composition_plan'], issues);
  if (issues.issues.length > 0) throw invalid(issues.issues);
  return {
    format: outputFormat(formatName, model),
    model,
    prompt: fields.prompt ?? null,
    plan: checked,
    musicLengthMs: fields.music_length_ms ?? null,
    forceInstrumental: fields.force_instrumental ?? false,
    storeForInpainting: fields.store_for_inpainting ?? false,
    seed: fields.seed ?? null,
  };
}

/**
 * The prompt-or-plan rules (upstream.md), as model-validator errors. Where the upstream puts
 * them is not documented; each names the field at fault.
 */
function checkModes(fields: z.infer<typeof composeBodySchema>, issues: IssueCollector): void {
  const add = (loc: (string | number)[], message: string): void =>
    issues.add(loc, `Value error, ${message}`, 'value_error');
  const hasPrompt = fields.prompt != null;
  const hasPlan = fields.composition_plan != null;
  if (hasPrompt === hasPlan)
    add(['body'], 'Exactly one of prompt or composition_plan must be provided');
  if (hasPlan && fields.music_length_ms != null)
    add(['body', 'music_length_ms'], 'music_length_ms can only be used with prompt');
  if (hasPlan && fields.force_instrumental !== undefined)
    add(['body', 'force_instrumental'], 'force_instrumental can only be used with prompt');
  if (!hasPlan && fields.seed != null) add(['body', 'seed'], 'seed cannot be used with prompt');
}

/** Body of `POST /v1/music/plan`. */
export function parsePlanRequest(body: unknown): PlanRequest {
  const issues = new IssueCollector();
  const parsed = planBodySchema.safeParse(body, { reportInput: true });
  if (!parsed.success) throw invalid(pydanticIssues(parsed.error.issues, ['body']));
  const source = parsed.data.source_composition_plan ?? null;
  const model = parsed.data.model_id ?? defaultMusicModel(source);
  const checked =
    source === null ? null : checkPlan(source, model, ['body', 'source_composition_plan'], issues);
  if (issues.issues.length > 0) throw invalid(issues.issues);
  return {
    prompt: parsed.data.prompt,
    musicLengthMs: parsed.data.music_length_ms ?? null,
    source: checked,
    model,
  };
}

/** The plan read as `model`'s shape (a wrong shape fails on its missing fields). */
function checkPlan(
  plan: unknown,
  model: MusicModel,
  loc: (string | number)[],
  issues: IssueCollector,
): SimPlan | null {
  const parsed = planSchemaFor(model).safeParse(plan, { reportInput: true });
  if (!parsed.success) {
    issues.issues.push(...pydanticIssues(parsed.error.issues, loc));
    return null;
  }
  for (const [path, message] of chunkProblems(parsed.data))
    issues.add([...loc, ...path], `Value error, ${message}`, 'value_error');
  return parsed.data;
}

function outputFormat(name: string, model: MusicModel): OutputFormat {
  const format = parseOutputFormat(resolveMusicFormat(name, model));
  if (!format) throw new Error(`unparseable music format ${name}`); // the enum holds only valid names
  return format;
}

function invalid(issues: readonly ValidationIssue[]): UpstreamHttpError {
  return new UpstreamHttpError(422, validationErrorBody(issues));
}
