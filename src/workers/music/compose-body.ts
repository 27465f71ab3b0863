import type { MusicParams } from '../../shared/jobs/music.ts';
import type { MusicPlanParams } from '../../shared/jobs/music-plan.ts';

/** A JSON request body, with its byte length for Content-Length. */
export interface JsonBody {
  contentType: 'application/json';
  contentLength: number;
  body: string;
}

function jsonBody(value: Record<string, unknown>): JsonBody {
  const body = JSON.stringify(value);
  return { contentType: 'application/json', contentLength: Buffer.byteLength(body), body };
}

/**
 * The JSON body of the compose endpoints: every body field the caller gave (undefined ones
 * drop out of the JSON), `output_format` left to the query string, and the seed only in plan
 * mode, where the job chose one (the upstream refuses a seed with a prompt).
 */
export function composeBody(params: MusicParams, seed: number | null): JsonBody {
  const { output_format: _query, seed: _seed, ...body } = params;
  const planMode = params.composition_plan !== undefined;
  return jsonBody({ ...body, ...(planMode && seed !== null && { seed }) });
}

/** The JSON body of `POST /v1/music/plan`: the params as they are (no query, no seed). */
export function planBody(params: MusicPlanParams): JsonBody {
  return jsonBody({ ...params });
}
