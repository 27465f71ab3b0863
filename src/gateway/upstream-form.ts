import type { Multipart } from '@fastify/multipart';
import { ValidationError, type ErrorDetail } from '../shared/errors.ts';
import { eachPart } from '../api/services/form-parts.ts';
import type { StagedUpload, UploadService } from '../api/services/upload-service.ts';
import { formValue, type WireFields } from './wire-requests.ts';

/** An upstream multipart call, read: its text fields and its staged audio file. */
export interface UpstreamForm {
  fields: WireFields;
  staged: StagedUpload;
}

/**
 * The upstream's multipart forms (speech-to-speech's `audio`, stem separation's `file`): the
 * file part streams to storage as an upload (staged: the caller commits or discards it), the
 * text fields are typed by their look (see formValue) for the intake's schema to check.
 */
export async function readUpstreamForm(
  parts: AsyncIterable<Multipart>,
  uploads: UploadService,
  fileField: string,
): Promise<UpstreamForm> {
  let staged = null as StagedUpload | null;
  const fields: WireFields = {};
  const problems: ErrorDetail[] = [];
  try {
    await eachPart(parts, async (part) => {
      if (part.type === 'file') {
        if (part.fieldname === fileField && !staged) {
          staged = await uploads.stage(part.file, part.mimetype, fileField);
          return;
        }
        part.file.resume();
        problems.push({ field: part.fieldname, message: 'is not a file this endpoint takes' });
      } else {
        fields[part.fieldname] = formValue(String(part.value));
      }
    });
    if (!staged) problems.push({ field: fileField, message: 'is required (a file part)' });
    if (problems.length || !staged) throw new ValidationError('The form is invalid.', problems);
    return { fields, staged };
  } catch (error) {
    await uploads.discard(staged);
    throw error;
  }
}
