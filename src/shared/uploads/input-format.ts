import type { ErrorDetail } from '../errors.ts';
import type { JobRequest } from '../jobs/job-request.ts';
import { RAW_PCM_TYPE } from './audio-sniff.ts';

/**
 * Raw PCM has no container, so the upstream only decodes it when told (`file_format:
 * pcm_s16le_16`, speech-to-speech only), and would misread a container as PCM when told so.
 * The upload's recorded type says which it is; uploads from before sniffing (any declared
 * type, e.g. application/octet-stream) are not second-guessed.
 */
export function inputFormatProblems(
  request: JobRequest,
  contentType: string | null,
  prefix = '',
): ErrorDetail[] {
  if (contentType === null) return [];
  const rawPcm = contentType === RAW_PCM_TYPE;
  const container = !rawPcm && /^(audio|video)\//.test(contentType);
  if (request.type === 'speech_to_speech') {
    const pcmDeclared = request.params.file_format === 'pcm_s16le_16';
    if (pcmDeclared && container)
      return [
        {
          field: `${prefix}params.file_format`,
          message: `is pcm_s16le_16, but the input is ${contentType}: upload raw PCM as ${RAW_PCM_TYPE}, or leave file_format at other`,
          code: 'input_format_mismatch',
        },
      ];
    if (rawPcm && !pcmDeclared)
      return [
        {
          field: `${prefix}params.file_format`,
          message: `must be pcm_s16le_16 for a raw PCM input (${RAW_PCM_TYPE})`,
          code: 'input_format_mismatch',
        },
      ];
    return [];
  }
  if (rawPcm)
    return [
      {
        field: `${prefix}input.upload_id`,
        message: `is raw PCM (${RAW_PCM_TYPE}), which only speech_to_speech takes (file_format pcm_s16le_16)`,
        code: 'input_format_mismatch',
      },
    ];
  return [];
}
