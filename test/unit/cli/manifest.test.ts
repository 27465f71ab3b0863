import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatProblem } from '../../../src/cli/cli-errors.ts';
import { readCsvManifest } from '../../../src/cli/manifest/csv-manifest.ts';
import { readJsonlManifest } from '../../../src/cli/manifest/jsonl-manifest.ts';
import { prepareItems } from '../../../src/cli/manifest/prepare-items.ts';
import { readDefaults, readManifest } from '../../../src/cli/manifest/read-manifest.ts';

const VOICE = 'JBFqnCBsd6RMkjVDRZzb';

/** A folder holding `a.wav`, for items with local inputs. */
function folderWithInput(): string {
  const dir = mkdtempSync(join(tmpdir(), 'audiobatch-cli-'));
  writeFileSync(join(dir, 'a.wav'), 'RIFF');
  return dir;
}

function prepareCsv(csv: string, defaults?: Record<string, unknown>, dir = folderWithInput()) {
  const read = readCsvManifest(csv);
  expect(read.problems).toEqual([]);
  return prepareItems(read.entries, defaults, dir);
}

describe('CSV manifests', () => {
  it('maps columns to fields and coerces cells to the types the schema expects', () => {
    const { items, problems } = prepareCsv(
      [
        'custom_id,type,input,params.voice_id,params.seed,params.remove_background_noise,params.voice_settings,options.stream,metadata.take',
        `one,speech_to_speech,a.wav,123456,42,true,"{""stability"":0.4}",no,7`,
      ].join('\n'),
    );
    expect(problems).toEqual([]);
    expect(items).toHaveLength(1);
    expect(items[0]?.localInput).toMatch(/a\.wav$/);
    expect(items[0]?.item).toMatchObject({
      custom_id: 'one',
      type: 'speech_to_speech',
      // The schema wants a string voice id: a numeric-looking one stays text.
      params: {
        voice_id: '123456',
        seed: 42,
        remove_background_noise: true,
        voice_settings: { stability: 0.4 },
      },
      options: { stream: false },
      // Metadata takes strings as well as numbers: a cell stays text.
      metadata: { take: '7' },
    });
  });

  it('leaves empty cells out, so defaults fill them, and skips comment and blank lines', () => {
    const csv = [
      '# a comment',
      'custom_id,input,params.voice_id,params.output_format',
      '',
      `a,https://example.com/a.wav,,`,
      `b,upl_01jz0000000000000000000000,${VOICE},pcm_16000`,
    ].join('\n');
    const defaults = {
      type: 'speech_to_speech',
      params: { voice_id: VOICE, output_format: 'mp3_44100_128' },
    };
    const { items, problems } = prepareCsv(csv, defaults);
    expect(problems).toEqual([]);
    expect(items.map((item) => [item.line, item.item])).toEqual([
      [4, { custom_id: 'a', input: { url: 'https://example.com/a.wav' } }],
      [
        5,
        {
          custom_id: 'b',
          input: { upload_id: 'upl_01jz0000000000000000000000' },
          params: { voice_id: VOICE, output_format: 'pcm_16000' },
        },
      ],
    ]);
  });

  it('builds arrays from numeric path segments', () => {
    const { items, problems } = prepareCsv(
      [
        'type,params.inputs.0.text,params.inputs.0.voice_id,params.inputs.1.text,params.inputs.1.voice_id,params.language_code',
        `text_to_dialogue,Hello.,${VOICE},Hi!,${VOICE},en`,
      ].join('\n'),
    );
    expect(problems).toEqual([]);
    expect(items[0]?.item.params).toEqual({
      inputs: [
        { text: 'Hello.', voice_id: VOICE },
        { text: 'Hi!', voice_id: VOICE },
      ],
      language_code: 'en',
    });
  });

  it('reports every bad line with its number and field, quoted newlines counted', () => {
    const csv = [
      'custom_id,type,input,params.voice_id,params.seed',
      `ok,speech_to_speech,a.wav,${VOICE},1`,
      `"two`,
      `lines",speech_to_speech,missing.wav,${VOICE},x`,
      `ok,speech_to_speech,a.wav,bad voice,-1`,
      `z,speech,a.wav,${VOICE},`,
    ].join('\n');
    const { items, problems } = prepareCsv(csv);
    expect(items.map((item) => item.line)).toEqual([2]);
    expect(problems.map(formatProblem)).toEqual([
      expect.stringMatching(/^line 3: input: file not found: .*missing\.wav$/),
      'line 3: params.seed: expected number, got "x"',
      'line 3: custom_id: may hold letters, digits, spaces and - _ . : @ + = / only',
      'line 5: custom_id: "ok" is also the custom_id of line 2',
      'line 5: params.voice_id: must be a voice id (letters, digits, - and _)',
      expect.stringMatching(/^line 5: params\.seed: /),
      expect.stringMatching(/^line 6: type: "speech" is not a job type; one of speech_to_speech, /),
    ]);
  });

  it('refuses unknown columns and rows longer than the header', () => {
    expect(readCsvManifest('custom_id,voice\na,b').problems.map(formatProblem)).toEqual([
      expect.stringMatching(/^line 1: column "voice": unknown column/),
    ]);
    expect(readCsvManifest('custom_id,metadata.__proto__\na,b').problems).toHaveLength(1);
    expect(readCsvManifest('custom_id\na,b').problems.map(formatProblem)).toEqual([
      'line 2: has 2 cells; the header names 1 columns',
    ]);
    expect(readCsvManifest('custom_id\n"a').problems[0]?.message).toMatch(/not valid CSV/);
  });
});

describe('JSONL manifests', () => {
  it('reads one request per line and names bad lines', () => {
    const read = readJsonlManifest(`{"custom_id":"a"}\n\n[1]\n{oops\n`);
    expect(read.entries.map((entry) => entry.line)).toEqual([1]);
    expect(read.problems.map((problem) => problem.line)).toEqual([3, 4]);
  });

  it('takes input as a path, URL or upload id string, or as an object', () => {
    const dir = folderWithInput();
    const lines = [
      'a.wav',
      'https://example.com/x.wav',
      'upl_01jz0000000000000000000000',
      { url: 'https://example.com/y.wav' },
    ]
      .map((input, i) =>
        JSON.stringify({
          custom_id: `c${i}`,
          type: 'speech_to_speech',
          params: { voice_id: VOICE },
          input,
        }),
      )
      .join('\n');
    const { items, problems } = prepareItems(readJsonlManifest(lines).entries, undefined, dir);
    expect(problems).toEqual([]);
    expect(items.map((item) => item.localInput !== null)).toEqual([true, false, false, false]);
    expect(items.slice(1).map((item) => item.item.input)).toEqual([
      { url: 'https://example.com/x.wav' },
      { upload_id: 'upl_01jz0000000000000000000000' },
      { url: 'https://example.com/y.wav' },
    ]);
  });
});

describe('dub rows', () => {
  it('reads examples/dub.csv: gains coerced to numbers, an empty loudness left out', async () => {
    const manifest = await readManifest(
      'examples/dub.csv',
      await readDefaults('examples/defaults.json'),
    );
    expect(manifest.items).toHaveLength(3);
    expect(manifest.items[0]?.item).toMatchObject({
      type: 'dub',
      params: { mix: { vocals_gain_db: 0, background_gain_db: -3 } },
    });
    expect(manifest.items[2]?.item).toMatchObject({
      params: { mix: { vocals_gain_db: 1.5, background_gain_db: -6, loudness_lufs: -16 } },
    });
  });

  it('names the line and field of a bad dub row', () => {
    const { problems } = prepareCsv(
      [
        'custom_id,type,input,params.voice_id,params.mix.vocals_gain_db',
        `x,dub,a.wav,${VOICE},loud`,
      ].join('\n'),
    );
    expect(problems).toEqual([
      expect.objectContaining({ line: 2, field: 'params.mix.vocals_gain_db' }),
    ]);
  });
});
