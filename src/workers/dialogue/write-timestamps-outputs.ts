import type { StoredOutput } from '../../shared/jobs/job-record.ts';
import { outputKey, putOutput, type OutputTarget } from '../outputs/write-output.ts';
import type { AlignmentReport } from './alignment-check.ts';
import { buildCaptionCues } from './caption-cues.ts';
import { renderSrt, renderVtt } from './captions-format.ts';
import type { TimestampsDocument } from './dialogue-wire.ts';

async function putText(
  target: OutputTarget,
  output: { name: string; file: string; extension: string; contentType: string; text: string },
): Promise<StoredOutput> {
  return putOutput(target, {
    name: output.name,
    key: outputKey(target.outputFolder, output.file, output.extension),
    contentType: output.contentType,
    body: output.text,
  });
}

/**
 * The `timestamps` (JSON: alignment, normalized alignment, voice segments and the alignment
 * check as `alignment_report`), `captions.vtt` and `captions.srt` outputs.
 */
export async function writeTimestampsOutputs(
  target: OutputTarget,
  document: TimestampsDocument,
  report: AlignmentReport,
): Promise<StoredOutput[]> {
  const cues = buildCaptionCues(document);
  const json = JSON.stringify({ ...document, alignment_report: report });
  return [
    await putText(target, {
      name: 'timestamps',
      file: 'timestamps',
      extension: 'json',
      contentType: 'application/json',
      text: json,
    }),
    await putText(target, {
      name: 'captions.vtt',
      file: 'captions',
      extension: 'vtt',
      contentType: 'text/vtt; charset=utf-8',
      text: renderVtt(cues),
    }),
    await putText(target, {
      name: 'captions.srt',
      file: 'captions',
      extension: 'srt',
      contentType: 'application/x-subrip; charset=utf-8',
      text: renderSrt(cues),
    }),
  ];
}
