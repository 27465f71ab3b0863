/**
 * Child-process entry point for the s3rver test server (run with
 * `node --openssl-legacy-provider --import tsx`: s3rver encrypts its listing continuation
 * tokens with DES, which OpenSSL 3 only has in the legacy provider).
 *
 * s3rver 3.7 implements multipart uploads but not ListMultipartUploads (501) nor
 * AbortMultipartUpload (405), which are exactly what proves that no upload was left behind.
 * This wrapper answers those two from s3rver's own upload folders
 * (`<dir>/<bucket>/._S3rver_uploads/<uploadId>/{key,<part>...}`) and hands every other request
 * to s3rver unchanged.
 *
 * Usage: s3rver-main.ts <directory> <bucket>. Prints `{"port":N}` once listening on 127.0.0.1.
 */
import { readdir, readFile, rm, stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { join } from 'node:path';

interface S3rverInstance {
  configureBuckets(): Promise<void>;
  callback(): (req: IncomingMessage, res: ServerResponse) => void;
}
type S3rverClass = new (options: Record<string, unknown>) => S3rverInstance;

const [directory, bucket] = process.argv.slice(2);
if (directory === undefined || bucket === undefined) {
  throw new Error('usage: s3rver-main.ts <directory> <bucket>');
}
const uploadsDir = join(directory, bucket, '._S3rver_uploads');

const S3rver = createRequire(import.meta.url)('s3rver') as S3rverClass;
const s3rver = new S3rver({
  directory,
  silent: true,
  configureBuckets: [{ name: bucket, configs: [] }],
});
await s3rver.configureBuckets();
const handle = s3rver.callback();

const server = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  const [, urlBucket = '', ...keyParts] = url.pathname.split('/');
  const key = keyParts.map(decodeURIComponent).join('/');
  const uploadId = url.searchParams.get('uploadId');
  let shim: Promise<void> | undefined;
  if (
    urlBucket === bucket &&
    key === '' &&
    req.method === 'GET' &&
    url.searchParams.has('uploads')
  ) {
    shim = listUploads(res, url.searchParams.get('prefix') ?? '');
  } else if (urlBucket === bucket && key !== '' && req.method === 'DELETE' && uploadId !== null) {
    shim = abortUpload(res, uploadId);
  }
  if (shim === undefined) {
    handle(req, res);
    return;
  }
  req.resume();
  shim.catch((error: unknown) => {
    res.statusCode = 500;
    res.end(String(error));
  });
});
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  process.stdout.write(`${JSON.stringify({ port: address.port })}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
// The parent (the test runner) is gone: nobody will stop us.
process.on('disconnect', () => process.exit(0));

async function listUploads(res: ServerResponse, prefix: string): Promise<void> {
  const ids = await readdir(uploadsDir).catch(() => []);
  const uploads: string[] = [];
  for (const id of ids.sort()) {
    const keyFile = join(uploadsDir, id, 'key');
    const key = await readFile(keyFile, 'utf8').catch(() => undefined);
    if (key === undefined || !key.startsWith(prefix)) continue;
    const initiated = (await stat(keyFile)).mtime.toISOString();
    uploads.push(
      `<Upload><Key>${xml(key)}</Key><UploadId>${id}</UploadId>` +
        `<Initiated>${initiated}</Initiated><StorageClass>STANDARD</StorageClass></Upload>`,
    );
  }
  res.setHeader('content-type', 'application/xml');
  res.end(
    '<?xml version="1.0" encoding="UTF-8"?>\n<ListMultipartUploadsResult>' +
      `<Bucket>${xml(bucket ?? '')}</Bucket><Prefix>${xml(prefix)}</Prefix>` +
      `<MaxUploads>1000</MaxUploads><IsTruncated>false</IsTruncated>${uploads.join('')}` +
      '</ListMultipartUploadsResult>',
  );
}

async function abortUpload(res: ServerResponse, uploadId: string): Promise<void> {
  const dir = join(uploadsDir, uploadId);
  if (!/^[0-9a-f]+$/.test(uploadId) || !(await stat(dir).catch(() => undefined))) {
    res.statusCode = 404;
    res.setHeader('content-type', 'application/xml');
    res.end('<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>NoSuchUpload</Code></Error>');
    return;
  }
  await rm(dir, { recursive: true, force: true });
  res.statusCode = 204;
  res.end();
}

function xml(text: string): string {
  return text.replace(/[<>&'"]/g, (char) => `&#${char.charCodeAt(0)};`);
}
