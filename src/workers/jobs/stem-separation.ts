import { extractStems } from '../stems/extract-stems.ts';
import { writeArchiveOutput } from '../stems/write-archive.ts';
import { buildMultipartBody, type MultipartField } from '../upstream/multipart-body.ts';
import { extraFormFields } from '../upstream/upstream-extra.ts';
import type { JobDefinition } from './job-definition.ts';

const ENDPOINT = '/v1/music/stem-separation';

/**
 * Stem separation. The input audio goes up as the multipart `file` part, streamed from
 * storage; the ZIP that comes back is stored as `stems.zip` exactly as received, then read
 * back and each entry stored as `stem.<name>`. No seed: the upstream takes none.
 */
export const stemSeparation: JobDefinition<'stem_separation'> = {
  type: 'stem_separation',

  endpoint: () => ENDPOINT,

  async run(context) {
    const { params } = context.job.request;
    const { inputKey, inputBytes, storage } = context;
    if (inputKey === null || inputBytes === null)
      throw new Error('stem_separation needs input audio');

    const fields: MultipartField[] = [
      {
        name: 'file',
        fileName: 'input',
        contentType: context.inputContentType ?? 'application/octet-stream',
        bytes: inputBytes,
        open: () => storage.get(inputKey, { signal: context.signal }),
      },
      { name: 'stem_variation_id', value: params.stem_variation_id },
      { name: 'sign_with_c2pa', value: String(params.sign_with_c2pa) },
    ];
    fields.push(...extraFormFields(context.job.request.upstream_extra, fields));
    const form = buildMultipartBody(fields);
    const response = await context.callUpstream({
      path: ENDPOINT,
      query: { output_format: params.output_format },
      body: { contentType: form.contentType, contentLength: form.contentLength, body: form.body },
      accept: 'application/zip, application/octet-stream',
    });
    const archive = await writeArchiveOutput(context, response);
    try {
      const stems = await extractStems(context, archive, params.output_format);
      return { outputs: [archive, ...stems], endpoint: ENDPOINT };
    } catch (error) {
      // All or nothing: a damaged archive must not stay behind as if it were this job's answer.
      await storage.delete(archive.key).catch(() => {});
      throw error;
    }
  },
};
