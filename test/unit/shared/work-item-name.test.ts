import { describe, expect, it } from 'vitest';
import { withoutWebFonts } from '../../../src/api/routes/queue-board.ts';
import { workItemName } from '../../../src/shared/queue/work-item-name.ts';

describe('workItemName', () => {
  it.each([
    [{ type: 'music', owner: 'alpha', batch_id: null }, 'music · alpha'],
    [
      { type: 'speech_to_speech', owner: 'beta', batch_id: 'bat_01' },
      'speech_to_speech · beta · bat_01',
    ],
  ] as const)('%o → %s', (record, name) => {
    expect(workItemName(record)).toBe(name);
  });
});

describe('withoutWebFonts', () => {
  it('drops the Google web-font link and keeps the rest of the page', () => {
    const page =
      '<head>\n    <link href="https://fonts.googleapis.com/css2?family=IBM+Plex+Sans&display=swap" rel="stylesheet">\n<link href="static/css/main.css" rel="stylesheet"></head>';
    expect(withoutWebFonts(page)).toBe(
      '<head>\n    <link href="static/css/main.css" rel="stylesheet"></head>',
    );
    expect(withoutWebFonts(Buffer.from(page))).not.toContain('googleapis');
    expect(withoutWebFonts({ json: true })).toEqual({ json: true });
  });
});
