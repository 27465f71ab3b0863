import { sineWav } from './audio-fixtures.ts';

/** What the README's first job ends as: its id, final status and downloaded audio. */
export interface WalkthroughJob {
  id: string;
  status: string;
  audioStatus: number;
  audio: Buffer;
}

/**
 * The README's curl walk-through against a running service: upload a sine, convert it with
 * speech-to-speech, wait for the end (long polls, at most ten) and download the audio.
 */
export async function runWalkthroughJob(url: string, seconds: number): Promise<WalkthroughJob> {
  const uploaded = (await (
    await fetch(`${url}/v1/uploads`, {
      method: 'POST',
      headers: { 'content-type': 'audio/wav' },
      body: sineWav(seconds),
    })
  ).json()) as { id: string };
  const created = await fetch(`${url}/v1/jobs`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      type: 'speech_to_speech',
      params: { voice_id: 'JBFqnCBsd6RMkjVDRZzb' },
      input: { upload_id: uploaded.id },
    }),
  });
  if (created.status !== 202) throw new Error(`job refused: ${created.status}`);
  const { id } = (await created.json()) as { id: string };
  let job = { status: 'queued' };
  for (let i = 0; i < 10 && job.status !== 'succeeded' && job.status !== 'failed'; i++) {
    job = (await (await fetch(`${url}/v1/jobs/${id}?wait=10`)).json()) as { status: string };
  }
  const download = await fetch(`${url}/v1/jobs/${id}/outputs/audio`);
  return {
    id,
    status: job.status,
    audioStatus: download.status,
    audio: Buffer.from(await download.arrayBuffer()),
  };
}
