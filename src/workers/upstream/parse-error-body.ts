/**
 * The upstream's error bodies come in three live shapes plus a bare one (upstream.md, "Errors");
 * this reads any of them into one code, message and suggestion.
 */
export interface ParsedErrorBody {
  /** `code` of the current shape, else `status`; both are matched by the retry policy. */
  codes: string[];
  message: string;
  suggestion: unknown;
}

export function parseErrorBody(text: string): ParsedErrorBody {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return { codes: [], message: text.slice(0, 500) || 'no body', suggestion: null };
  }
  if (!isObject(body)) return { codes: [], message: text.slice(0, 500), suggestion: null };
  const detail = body['detail'];
  if (Array.isArray(detail)) return parseValidationDetail(detail);
  const source = isObject(detail) ? detail : body;
  const codes = [source['code'], source['status']].filter(
    (v): v is string => typeof v === 'string',
  );
  const message = typeof source['message'] === 'string' ? source['message'] : text.slice(0, 500);
  return { codes: [...new Set(codes)], message, suggestion: suggestionOf(source) };
}

function parseValidationDetail(detail: unknown[]): ParsedErrorBody {
  const problems = detail.filter(isObject).map((item) => {
    const loc = Array.isArray(item['loc']) ? item['loc'].join('.') : '?';
    return `${loc}: ${typeof item['msg'] === 'string' ? item['msg'] : 'invalid'}`;
  });
  return { codes: ['validation_error'], message: problems.join('; '), suggestion: null };
}

/** `bad_prompt` carries `data.prompt_suggestion`; `bad_composition_plan` a suggested plan. */
function suggestionOf(source: Record<string, unknown>): unknown {
  const data = source['data'];
  if (!isObject(data)) return null;
  return data['prompt_suggestion'] ?? data['composition_plan_suggestion'] ?? data;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
