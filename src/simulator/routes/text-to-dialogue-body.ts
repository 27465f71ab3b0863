import { collectBody } from '../request-body.ts';
import { UpstreamHttpError, currentError } from '../upstream-errors.ts';
import { validationErrorBody } from '../validation.ts';
import type { RouteContext } from './route.ts';

/**
 * Largest JSON body read. 5,000 characters of text (the model's limit) fit many times over;
 * anything bigger is refused as too long before it is parsed.
 */
export const MAX_DIALOGUE_BODY_BYTES = 1024 * 1024;

/**
 * The request's JSON body, or the upstream's answers to a body that is none: 422 `json_invalid`
 * (FastAPI's, located at the offending position) and 400 `max_character_limit_exceeded` for one
 * over {@link MAX_DIALOGUE_BODY_BYTES}.
 */
export async function readJsonBody(context: RouteContext): Promise<unknown> {
  const bytes = await collectBody(context.req, MAX_DIALOGUE_BODY_BYTES);
  if (bytes === null) {
    const message = 'The request body is too large.';
    throw currentError(
      400,
      { type: 'invalid_request_error', code: 'max_character_limit_exceeded', message },
      context.requestId,
    );
  }
  const text = bytes.toString('utf8');
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    const position = /position (\d+)/.exec((error as Error).message)?.[1];
    throw new UpstreamHttpError(
      422,
      validationErrorBody([
        { loc: ['body', Number(position ?? 0)], msg: 'JSON decode error', type: 'json_invalid' },
      ]),
    );
  }
}
