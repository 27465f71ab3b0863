import { describe, expect, it } from 'vitest';
import { createStorage, parseStorageUrl } from '../../../src/shared/storage/create-storage.ts';
import { FileStorage } from '../../../src/shared/storage/file-storage.ts';
import { S3Storage } from '../../../src/shared/storage/s3-storage.ts';

const s3 = {
  region: 'us-east-1',
  forcePathStyle: true,
  checksumMode: 'WHEN_REQUIRED' as const,
};

describe('parseStorageUrl', () => {
  it.each([
    ['s3://bucket', { driver: 's3', bucket: 'bucket', prefix: '' }],
    ['s3://bucket/', { driver: 's3', bucket: 'bucket', prefix: '' }],
    ['s3://my.bucket/some/prefix/', { driver: 's3', bucket: 'my.bucket', prefix: 'some/prefix' }],
    ['file:///var/lib/objects', { driver: 'file', root: '/var/lib/objects' }],
    ['file:///with%20space', { driver: 'file', root: '/with space' }],
    ['file://./data/objects', { driver: 'file', root: '/srv/app/data/objects' }],
    ['file://../objects', { driver: 'file', root: '/srv/objects' }],
  ])('%s', (url, expected) => {
    expect(parseStorageUrl(url, '/srv/app')).toEqual(expected);
  });

  it.each([
    ['http://bucket/x', /scheme http:/],
    ['gs://bucket', /scheme gs:/],
    ['objects', /scheme \(none\)/],
    ['file://host/path', /file:\/\/\/absolute/],
    ['s3://bucket/x?region=eu', /s3:\/\/bucket/],
  ])('refuses %s', (url, message) => {
    expect(() => parseStorageUrl(url, '/srv/app')).toThrow(message);
  });
});

describe('createStorage', () => {
  it('builds the file driver with a root resolved against cwd', () => {
    const storage = createStorage({ url: 'file://./objects', s3, cwd: '/srv/app' });
    expect(storage).toBeInstanceOf(FileStorage);
    expect((storage as FileStorage).root).toBe('/srv/app/objects');
  });

  it('builds the S3 driver with the URL path as key prefix', async () => {
    const storage = createStorage({ url: 's3://bucket/some/prefix', s3 });
    expect(storage).toBeInstanceOf(S3Storage);
    expect(storage.driver).toBe('s3');
    expect((storage as S3Storage).prefix).toBe('some/prefix/');
    await storage.close();
  });

  it('refuses half-given S3 credentials', () => {
    expect(() =>
      createStorage({ url: 's3://bucket', s3: { ...s3, accessKeyId: 'only-the-id' } }),
    ).toThrow(/both accessKeyId and secretAccessKey/);
  });
});
