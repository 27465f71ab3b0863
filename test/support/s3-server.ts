import { CreateBucketCommand, HeadBucketCommand } from '@aws-sdk/client-s3';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createS3Client, type S3ConnectionOptions } from '../../src/shared/storage/s3-client.ts';
import { dockerAnswers } from './docker.ts';
import { waitUntil } from './eventually.ts';

/** How tests reach the S3 API; serializable, so globalSetup can `provide` it. */
export interface S3ServerInfo {
  kind: 'minio' | 's3rver';
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  bucket: string;
  forcePathStyle: true;
  checksumMode: 'WHEN_REQUIRED';
}

/** A running test S3 server; `stop()` removes it and its data. */
export interface TestS3Server extends S3ServerInfo {
  stop(): Promise<void>;
}

/** Options of {@link startS3Server}. */
export interface StartS3ServerOptions {
  bucket?: string;
  /** How long Docker gets to answer before s3rver is used instead. */
  dockerTimeoutMs?: number;
  /** Docker Hub stopped serving minio/minio; quay.io mirrors the releases. */
  minioImage?: string;
}

const REGION = 'us-east-1';
const S3RVER_MAIN = fileURLToPath(new URL('./s3rver-main.ts', import.meta.url));

/**
 * A real S3 API for tests: MinIO in a container when a Docker engine answers within
 * `dockerTimeoutMs`, otherwise s3rver in a child process (with the multipart shim of
 * `s3rver-main.ts`). The bucket exists and answers HeadBucket before this resolves.
 */
export async function startS3Server(options: StartS3ServerOptions = {}): Promise<TestS3Server> {
  const bucket = options.bucket ?? 'audiobatch-test';
  if (await dockerAnswers(options.dockerTimeoutMs ?? 3000)) {
    return startMinio(
      bucket,
      options.minioImage ?? 'quay.io/minio/minio:RELEASE.2025-02-28T09-55-16Z',
    );
  }
  return startS3rver(bucket);
}

/** Just the serializable connection info of a running server. */
export function s3ServerInfoOf(server: S3ServerInfo): S3ServerInfo {
  const { kind, endpoint, region, accessKeyId, secretAccessKey, bucket } = server;
  return { ...serverInfo(kind, endpoint, bucket, { accessKeyId, secretAccessKey }), region };
}

/** S3 client options for a test server, as the storage drivers take them. */
export function s3ConnectionOf(info: S3ServerInfo): S3ConnectionOptions {
  const { endpoint, region, forcePathStyle, checksumMode, accessKeyId, secretAccessKey } = info;
  return { endpoint, region, forcePathStyle, checksumMode, accessKeyId, secretAccessKey };
}

async function startMinio(bucket: string, image: string): Promise<TestS3Server> {
  const { MinioContainer } = await import('@testcontainers/minio');
  const container = await new MinioContainer(image).start();
  const info = serverInfo('minio', container.getConnectionUrl(), bucket, {
    accessKeyId: container.getUsername(),
    secretAccessKey: container.getPassword(),
  });
  const client = createS3Client(s3ConnectionOf(info));
  try {
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
  } finally {
    client.destroy();
  }
  return {
    ...info,
    stop: async () => {
      await container.stop();
    },
  };
}

async function startS3rver(bucket: string): Promise<TestS3Server> {
  const directory = await mkdtemp(join(tmpdir(), 'audiobatch-s3rver-'));
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
  const child = spawn(
    process.execPath,
    ['--openssl-legacy-provider', '--import', tsx, S3RVER_MAIN, directory, bucket],
    // The IPC channel is a lifeline: s3rver-main exits when it closes, so a test runner that
    // dies without its teardown leaves no server behind.
    { stdio: ['ignore', 'pipe', 'pipe', 'ipc'] },
  );
  const stop = async (): Promise<void> => {
    await stopChild(child);
    await rm(directory, { recursive: true, force: true });
  };
  // Do not let the channel alone keep the test runner alive.
  child.channel?.unref();
  try {
    const port = await readPort(child);
    // s3rver's default account; it checks signatures, so the client must sign with these.
    const info = serverInfo('s3rver', `http://127.0.0.1:${port}`, bucket, {
      accessKeyId: 'S3RVER',
      secretAccessKey: 'S3RVER',
    });
    await waitForBucket(info);
    return { ...info, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

function serverInfo(
  kind: S3ServerInfo['kind'],
  endpoint: string,
  bucket: string,
  credentials: { accessKeyId: string; secretAccessKey: string },
): S3ServerInfo {
  return {
    kind,
    endpoint,
    region: REGION,
    bucket,
    forcePathStyle: true,
    checksumMode: 'WHEN_REQUIRED',
    ...credentials,
  };
}

/** The launcher prints `{"port":N}` once listening; anything else before exit is an error. */
async function readPort(child: ChildProcess): Promise<number> {
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString('utf8')).slice(-4000);
  });
  const exited = once(child, 'exit').then(([code]) => {
    throw new Error(`s3rver exited (code ${String(code)}) before listening: ${stderr}`);
  });
  const { stdout } = child;
  if (stdout === null) throw new Error('s3rver started without a stdout pipe');
  const lines = createInterface({ input: stdout });
  const firstLine = once(lines, 'line').then(([line]) => {
    const parsed = JSON.parse(String(line)) as { port?: unknown };
    if (typeof parsed.port !== 'number') throw new Error(`unexpected s3rver output: ${line}`);
    return parsed.port;
  });
  const timeout = new Promise<never>((_, reject) => {
    setTimeout(
      () => reject(new Error(`s3rver did not start within 20 s: ${stderr}`)),
      20_000,
    ).unref();
  });
  try {
    return await Promise.race([firstLine, exited, timeout]);
  } finally {
    lines.close();
    // Keep draining: a full pipe would block the server.
    stdout.resume();
    exited.catch(() => {});
  }
}

async function waitForBucket(info: S3ServerInfo): Promise<void> {
  const client = createS3Client(s3ConnectionOf(info));
  let lastError: unknown;
  try {
    await waitUntil(
      `bucket ${info.bucket} answers`,
      () =>
        client.send(new HeadBucketCommand({ Bucket: info.bucket })).then(
          () => true,
          (error: unknown) => ((lastError = error), false),
        ),
      { intervalMs: 100 },
    ).catch((error: unknown) => {
      throw new Error(`${String(error)}: ${String(lastError)}`);
    });
  } finally {
    client.destroy();
  }
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}
