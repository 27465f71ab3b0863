import type { UpstreamExtra } from '../../shared/jobs/request-envelope.ts';
import type { MultipartField } from './multipart-body.ts';
import type { UpstreamCall, UpstreamResponse } from './upstream-client.ts';

type Call = (call: Omit<UpstreamCall, 'signal'>) => Promise<UpstreamResponse>;

/**
 * Sends a request's unknown upstream fields (`upstream_extra`, kept by the gateway) with each
 * of its calls, untouched: query parameters beside ours, JSON body fields beside ours. A field
 * we set ourselves wins (ours were validated; an extra one is only what we do not know).
 * Multipart bodies take theirs from `extraFormFields`, built by the job module with its form.
 */
export function withUpstreamExtra(extra: UpstreamExtra | undefined, call: Call): Call {
  if (!extra) return call;
  return (upstreamCall) => {
    const query = { ...extra.query, ...upstreamCall.query };
    const { body } = upstreamCall;
    if (!extra.body || body.contentType !== 'application/json' || typeof body.body !== 'string') {
      return call({ ...upstreamCall, query });
    }
    const json = JSON.stringify({
      ...extra.body,
      ...(JSON.parse(body.body) as Record<string, unknown>),
    });
    return call({
      ...upstreamCall,
      query,
      body: { ...body, body: json, contentLength: Buffer.byteLength(json) },
    });
  };
}

/** The extra body fields as form fields: strings as sent, other values as their JSON. */
export function extraFormFields(
  extra: UpstreamExtra | undefined,
  taken: readonly MultipartField[],
): MultipartField[] {
  const names = new Set(taken.map((field) => field.name));
  return Object.entries(extra?.body ?? {})
    .filter(([name]) => !names.has(name))
    .map(([name, value]) => ({
      name,
      value: typeof value === 'string' ? value : JSON.stringify(value),
    }));
}
