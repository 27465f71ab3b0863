import type { Multipart } from '@fastify/multipart';
import { AppError, BadRequestError } from '../../shared/errors.ts';

/**
 * Walks a multipart form's parts, handing each to `take` while the next is already awaited.
 * Busboy reports a malformed or truncated body (no boundary, a JSON body sent as multipart, a
 * body cut mid-part) to the parts iterator, not to the file stream being read: a part read on
 * its own would wait forever for an end that never comes. Here the form's failure destroys the
 * part being read, waits for `take` to let go of it (so whatever it stored is cleaned up by
 * its owner), and rejects with a 400 `malformed_multipart`.
 */
export async function eachPart(
  parts: AsyncIterable<Multipart>,
  take: (part: Multipart) => Promise<void>,
): Promise<void> {
  const iterator = parts[Symbol.asyncIterator]();
  let next = pull(iterator);
  for (;;) {
    const result = await next;
    if ('error' in result) throw result.error;
    if (result.done) return;
    const part = result.value;
    next = pull(iterator);
    const taking = take(part).then(
      () => ({ failed: false as const }),
      (error: unknown) => ({ failed: true as const, error }),
    );
    const first = await Promise.race([taking, next.then((r) => ('error' in r ? r : null))]);
    if (first && 'failed' in first) {
      if (first.failed) throw first.error;
      continue;
    }
    if (first) {
      // The form failed while this part was being read: stop reading it, then report.
      if (part.type === 'file') part.file.destroy(first.error as Error);
      const taken = await taking;
      // The part's own refusal (too large, not audio) says more than the form's failure.
      if (taken.failed && taken.error instanceof AppError) throw taken.error;
      throw first.error;
    }
    // The next part (or the end) came first: this part is still being taken.
    const taken = await taking;
    if (taken.failed) throw taken.error;
  }
}

type Pulled = IteratorResult<Multipart> | { error: unknown };

/** The iterator's next result, its failure as a value (so no rejection goes unobserved). */
function pull(iterator: AsyncIterator<Multipart>): Promise<Pulled> {
  return iterator.next().then(
    (result) => result,
    (error: unknown) => ({ error: formError(error) }),
  );
}

/** A failure of the form itself, in our vocabulary: its own 4xx, or malformed multipart. */
export function formError(error: unknown): unknown {
  if (error instanceof AppError) return error;
  const { code, statusCode } = (error ?? {}) as { code?: unknown; statusCode?: unknown };
  if (typeof code === 'string' && code.startsWith('FST_') && typeof statusCode === 'number')
    return error; // @fastify/multipart's own (limits, premature close): the envelope maps them
  const message = error instanceof Error ? error.message : String(error);
  return new BadRequestError(
    `The multipart body is malformed: ${message}.`,
    [{ field: 'body', message: 'is not a well-formed multipart/form-data body' }],
    'malformed_multipart',
  );
}
