import { describe, expect, it } from 'vitest';
import { createStorage } from '../../../src/shared/storage/create-storage.ts';
import { testS3Options } from '../../support/test-env.ts';

/**
 * Compose: the services reach the store as `minio:9000`, the host as `localhost:9000`. Here
 * the same S3 server is reached as 127.0.0.1 by the service and as `localhost` by the client.
 */
describe('S3_PUBLIC_ENDPOINT', () => {
  it('presigns output URLs for the public endpoint, and they download', async () => {
    const options = testS3Options();
    const internal = new URL(options.endpoint);
    internal.hostname = '127.0.0.1';
    const external = new URL(internal);
    external.hostname = 'localhost';
    const storage = createStorage({
      ...options,
      s3: { ...options.s3, endpoint: internal.origin, publicEndpoint: external.origin },
    });
    try {
      await storage.put('out/audio.mp3', 'ID3 bytes', { contentType: 'audio/mpeg' });
      const url = await storage.presignGet('out/audio.mp3', { expiresInSeconds: 60 });
      expect(new URL(url ?? '').origin).toBe(external.origin);
      const response = await fetch(url ?? '');
      expect(response.status).toBe(200);
      expect(await response.text()).toBe('ID3 bytes');
    } finally {
      await storage.delete('out/audio.mp3');
      await storage.close();
    }
  });
});
