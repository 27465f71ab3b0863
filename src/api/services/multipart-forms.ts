import type { Multipart } from '@fastify/multipart';
import { AppError, ValidationError, type ErrorDetail } from '../../shared/errors.ts';
import { eachPart } from './form-parts.ts';
import type { StagedUpload, UploadService } from './upload-service.ts';

/**
 * The two multipart forms the intake reads, parsed part by part so files stream straight to
 * storage. Any failure after a file was staged discards it: a refused form leaves nothing.
 */

/** Largest `request` part of a one-shot job form (the JSON body limit, too). */
export const REQUEST_PART_LIMIT = 1024 * 1024;

/** Busboy limits shared by both forms: a file just over the upload limit trips storage's check. */
export function formLimits(maxUploadBytes: number) {
  return { fileSize: maxUploadBytes + 1, fieldSize: REQUEST_PART_LIMIT, parts: 8, files: 2 };
}

/** `POST /v1/uploads` as multipart: exactly one file part named `file`. */
export async function readUploadForm(
  parts: AsyncIterable<Multipart>,
  uploads: UploadService,
): Promise<StagedUpload> {
  // Assigned in eachPart's callback: a cast keeps TS from narrowing it to null here.
  let staged = null as StagedUpload | null;
  const problems: ErrorDetail[] = [];
  try {
    await eachPart(parts, async (part) => {
      if (part.type === 'file' && part.fieldname === 'file' && !staged) {
        staged = await uploads.stage(part.file, part.mimetype, 'file');
      } else {
        problems.push(refusePart(part));
      }
    });
    if (!staged) {
      problems.push({ field: 'file', message: 'is required (a file part named "file")' });
    }
    if (problems.length || !staged) {
      throw new ValidationError('The upload form is invalid.', problems);
    }
    return staged;
  } catch (error) {
    await uploads.discard(staged);
    throw error;
  }
}

/** A one-shot job form, read: the parsed `request` part and the staged `audio` part. */
export interface OneShotForm {
  request: Record<string, unknown>;
  audio: StagedUpload;
}

/**
 * A one-shot job form: a `request` part (the job request as JSON, without `input`) and an
 * `audio` file part, in either order. The returned request has `input.upload_id` pointing at
 * the staged audio; the caller commits or discards it.
 */
export async function readOneShotForm(
  parts: AsyncIterable<Multipart>,
  uploads: UploadService,
): Promise<OneShotForm> {
  let audio = null as StagedUpload | null;
  let request: unknown;
  const problems: ErrorDetail[] = [];
  try {
    await eachPart(parts, async (part) => {
      if (part.fieldname === 'audio' && part.type === 'file' && !audio) {
        audio = await uploads.stage(part.file, part.mimetype, 'audio');
      } else if (part.fieldname === 'request' && request === undefined) {
        request = await readJsonPart(part);
      } else {
        problems.push(refusePart(part));
      }
    });
    problems.push(...checkOneShot(request, audio));
    if (problems.length || !audio || !isObject(request)) {
      throw new ValidationError('The job form is invalid.', problems);
    }
    return { request: { ...request, input: { upload_id: audio.id } }, audio };
  } catch (error) {
    await uploads.discard(audio);
    throw error;
  }
}

function checkOneShot(request: unknown, audio: StagedUpload | null): ErrorDetail[] {
  const problems: ErrorDetail[] = [];
  if (request === undefined) {
    problems.push({ field: 'request', message: 'is required (the job request as JSON)' });
  } else if (!isObject(request)) {
    problems.push({ field: 'request', message: 'must be a JSON object' });
  } else if ('input' in request) {
    problems.push({ field: 'input', message: 'must not be given: the audio part is the input' });
  }
  if (!audio) problems.push({ field: 'audio', message: 'is required (a file part named "audio")' });
  return problems;
}

/** The `request` part's JSON, sent as a plain field, a JSON field or a small file. */
async function readJsonPart(part: Multipart): Promise<unknown> {
  let text: unknown;
  if (part.type === 'file') {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of part.file as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > REQUEST_PART_LIMIT) throw requestTooLarge();
      chunks.push(chunk);
    }
    // Busboy cuts file parts at the form's file size limit, which may be the smaller one.
    if (part.file.truncated) throw requestTooLarge();
    text = Buffer.concat(chunks).toString('utf8');
  } else {
    if (part.valueTruncated) throw requestTooLarge();
    // @fastify/multipart has already parsed parts sent as application/json.
    if (part.mimetype.startsWith('application/json')) return part.value;
    text = part.value;
  }
  try {
    return JSON.parse(String(text)) as unknown;
  } catch {
    throw partProblem('request', 'is not valid JSON');
  }
}

/** Consumes a part the form does not take, and says why it was refused. */
function refusePart(part: Multipart): ErrorDetail {
  if (part.type === 'file') {
    part.file.resume();
  } else if (part.fieldname === 'file' || part.fieldname === 'audio') {
    return { field: part.fieldname, message: 'must be sent as a file part (with a filename)' };
  }
  return { field: part.fieldname, message: 'is not a part this form takes (or is repeated)' };
}

function partProblem(field: string, message: string): ValidationError {
  return new ValidationError('The job form is invalid.', [{ field, message }]);
}

function requestTooLarge(): AppError {
  const message = `is larger than ${REQUEST_PART_LIMIT} bytes`;
  return new AppError('payload_too_large', `The request part ${message}.`, 413, {
    details: [{ field: 'request', message }],
  });
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
