import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiHarness, type ApiHarness, type Call } from './api-harness.ts';

/**
 * SSRF at intake: every spelling of a non-public address, as an input URL and as a webhook
 * URL, single job and batch, is refused with 422 and nothing is stored or queued. Names
 * resolve through the harness's table (test/support/test-resolver.ts) or /etc/hosts.
 */

const KEY = 'ssrf-key-3d7a1f9e5b';
const SECRET = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;

const refused: [string, string][] = [
  ['loopback', 'https://127.0.0.1/a.wav'],
  ['decimal IPv4', 'https://2130706433/a.wav'],
  ['hex IPv4', 'https://0x7f000001/a.wav'],
  ['hex dotted IPv4', 'https://0x7f.0.0.1/a.wav'],
  ['octal IPv4', 'https://0177.0.0.1/a.wav'],
  ['short IPv4', 'https://127.1/a.wav'],
  ['private 10/8', 'https://10.0.0.1/a.wav'],
  ['private 192.168/16', 'https://192.168.1.20/a.wav'],
  ['CGNAT', 'https://100.64.0.1/a.wav'],
  ['cloud metadata', 'https://169.254.169.254/latest/meta-data'],
  ['unspecified IPv4', 'https://0.0.0.0/a.wav'],
  ['benchmarking', 'https://198.18.0.1/a.wav'],
  ['IPv6 loopback', 'https://[::1]/a.wav'],
  ['IPv6 unspecified', 'https://[::]/a.wav'],
  ['IPv4-compatible ::/96', 'https://[::127.0.0.1]/a.wav'],
  ['IPv4-mapped', 'https://[::ffff:127.0.0.1]/a.wav'],
  ['IPv4-mapped hex', 'https://[::ffff:7f00:1]/a.wav'],
  ['6to4', 'https://[2002:7f00:1::]/a.wav'],
  ['NAT64', 'https://[64:ff9b::7f00:1]/a.wav'],
  ['local NAT64', 'https://[64:ff9b:1::a00:1]/a.wav'],
  ['Teredo', 'https://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/a.wav'],
  ['unique local', 'https://[fd00:ec2::254]/a.wav'],
  ['link-local IPv6', 'https://[fe80::1]/a.wav'],
  ['multicast IPv6', 'https://[ff02::1]/a.wav'],
  ['localhost', 'https://localhost/a.wav'],
  ['localhost, upper case with a dot', 'https://LOCALHOST./a.wav'],
  ['*.localhost', 'https://media.localhost/a.wav'],
  ['name resolving to loopback', 'https://loopback.example/a.wav'],
  ['name resolving to IPv4-mapped', 'https://mapped.example/a.wav'],
  ['name resolving to 6to4', 'https://sixtofour.example/a.wav'],
  ['name resolving to metadata', 'https://metadata.example/a.wav'],
  ['name with one private address among public ones', 'https://mixed.example/a.wav'],
  ['http:', 'http://example.com/a.wav'],
  ['credentials', 'https://user:pw@example.com/a.wav'],
];

describe('URL guard at intake', () => {
  let api: ApiHarness;
  beforeAll(async () => {
    api = await startApiHarness({ apiKeys: [KEY], env: { WEBHOOK_SECRET: SECRET } });
  });
  afterAll(async () => {
    await api.close();
  });

  const inputJob = (url: string) => ({
    type: 'speech_to_speech',
    params: { voice_id: 'v' },
    input: { url },
  });
  const webhookJob = (url: string) => ({
    type: 'music_plan',
    params: { prompt: 'a short jingle' },
    webhook: { url },
  });

  const calls = (url: string): [string, Call, string][] => [
    ['input URL', { method: 'POST', url: '/v1/jobs', payload: inputJob(url) }, 'input.url'],
    ['webhook URL', { method: 'POST', url: '/v1/jobs', payload: webhookJob(url) }, 'webhook.url'],
    [
      'batch item input URL',
      { method: 'POST', url: '/v1/batches', payload: { items: [inputJob(url)] } },
      'items[0].input.url',
    ],
    [
      'batch webhook URL',
      {
        method: 'POST',
        url: '/v1/batches',
        payload: { items: [webhookJob('https://example.com/h')], webhook: { url } },
      },
      'webhook.url',
    ],
  ];

  async function snapshot() {
    return {
      keys: (await api.deps.redis.keys(`${api.prefix}:*`))
        .filter((key) => !key.includes(':ratelimit:'))
        .sort(),
      speech: await api.queues.speech.getJobCounts(),
      music: await api.queues.music.getJobCounts(),
      stored: await api.storedKeys(),
    };
  }

  it.each(refused)('refuses %s (%s) with 422 everywhere, storing nothing', async (_name, url) => {
    const before = await snapshot();
    for (const [where, call, field] of calls(url)) {
      const response = await api.call({ ...call, key: KEY });
      expect(response.statusCode, `${where}: ${response.body}`).toBe(422);
      const { error } = response.json<{ error: { details: { field: string; code?: string }[] } }>();
      expect(error.details, where).toContainEqual(
        expect.objectContaining({ field, code: 'url_not_allowed' }),
      );
    }
    expect(await snapshot()).toEqual(before);
  });

  it('refuses a host that does not resolve with url_unresolvable', async () => {
    const before = await snapshot();
    for (const [where, call, field] of calls('https://no-such-host.invalid/a.wav')) {
      const response = await api.call({ ...call, key: KEY });
      expect(response.statusCode, where).toBe(422);
      expect(response.json(), where).toMatchObject({
        error: { details: [{ field, code: 'url_unresolvable' }] },
      });
    }
    expect(await snapshot()).toEqual(before);
  });

  it('accepts public hosts, by name (every address public) or literal', async () => {
    for (const url of [
      'https://example.com/a.wav',
      'https://public.example/a.wav',
      'https://93.184.215.14/a.wav',
      'https://[2606:4700:4700::1111]/a.wav',
    ]) {
      for (const [where, call] of calls(url)) {
        const response = await api.call({ ...call, key: KEY });
        expect(response.statusCode, `${where} ${url}: ${response.body}`).toBe(202);
      }
    }
  });
});
