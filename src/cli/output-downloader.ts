import { createHash } from 'node:crypto';
import { createWriteStream, unlinkSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { ApiClient } from './api-client.ts';
import type { JobOutput, ResultLine } from './api-schemas.ts';
import { CliError } from './cli-errors.ts';
import { forEachLimit } from './concurrency.ts';
import { fileSha256 } from './file-hash.ts';
import { outputPath } from './output-paths.ts';

/** Downloads in flight at once. */
const DOWNLOAD_CONCURRENCY = 4;
/** Tries per file: a dropped connection or a presigned URL that just expired gets one more. */
const ATTEMPTS = 2;

export interface DownloadStats {
  /** Files written in this run. */
  downloaded: number;
  /** Files already present with the right sha256, left alone. */
  present: number;
  bytes: number;
  /** Outputs that could not be saved. */
  failed: { customId: string; name: string; message: string }[];
}

/**
 * Saves succeeded items' outputs as `DIR/<custom_id>/<name>.<ext>` (see output-paths.ts).
 * A file already there with the output's sha256 is skipped, so an interrupted download
 * resumes where it stopped; anything else is downloaded to `<file>.part`, checked against the
 * sha256 and size the service recorded, and renamed into place, so a file under its final
 * name is always complete.
 */
export class OutputDownloader {
  readonly stats: DownloadStats = { downloaded: 0, present: 0, bytes: 0, failed: [] };
  /** Jobs whose outputs have been handled in this run. */
  readonly #handled = new Set<string>();
  /** `.part` files being written, removed if the process is interrupted. */
  readonly #partial = new Set<string>();

  constructor(
    private readonly client: ApiClient,
    private readonly dir: string,
  ) {}

  /** Saves the outputs of every succeeded line not handled yet. */
  async collect(lines: AsyncIterable<ResultLine>): Promise<void> {
    const fresh: ResultLine[] = [];
    for await (const line of lines) {
      if (line.status === 'succeeded' && !this.#handled.has(line.job_id)) fresh.push(line);
    }
    const outputs = fresh.flatMap((line) => line.outputs.map((output) => ({ line, output })));
    await forEachLimit(outputs, DOWNLOAD_CONCURRENCY, ({ line, output }) =>
      this.#save(line, output),
    );
    for (const line of fresh) this.#handled.add(line.job_id);
  }

  /** Deletes `.part` files left by downloads cut short (call on interrupt; synchronous). */
  abandon(): void {
    for (const path of this.#partial) {
      try {
        unlinkSync(path);
      } catch {
        // Already renamed or never created.
      }
    }
  }

  async #save(line: ResultLine, output: JobOutput): Promise<void> {
    try {
      const path = outputPath(this.dir, line.custom_id, output.name, output.content_type);
      if ((await fileSha256(path)) === output.sha256) {
        this.stats.present++;
        return;
      }
      for (let attempt = 1; ; attempt++) {
        try {
          await this.#download(output, path);
          this.stats.downloaded++;
          this.stats.bytes += output.bytes;
          return;
        } catch (error) {
          if (attempt >= ATTEMPTS) throw error;
        }
      }
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      this.stats.failed.push({ customId: line.custom_id, name: output.name, message });
    }
  }

  async #download(output: JobOutput, path: string): Promise<void> {
    if (!output.url) throw new CliError(`no download URL for output ${output.name}`, 1);
    const response = await this.client.download(output.url);
    if (!response.body) throw new CliError(`empty response for output ${output.name}`, 1);
    await mkdir(dirname(path), { recursive: true });
    const part = `${path}.part`;
    this.#partial.add(part);
    const hash = createHash('sha256');
    let bytes = 0;
    const tap = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        hash.update(chunk);
        bytes += chunk.length;
        callback(null, chunk);
      },
    });
    try {
      await pipeline(
        Readable.fromWeb(response.body as WebReadableStream<Uint8Array>),
        tap,
        createWriteStream(part),
      );
      const sha256 = hash.digest('hex');
      if (sha256 !== output.sha256 || bytes !== output.bytes) {
        throw new CliError(
          `downloaded ${bytes} bytes with sha256 ${sha256.slice(0, 12)}…; expected ${output.bytes} bytes, ${output.sha256.slice(0, 12)}…`,
          1,
        );
      }
      await rename(part, path);
    } catch (error) {
      await rm(part, { force: true });
      throw error;
    } finally {
      this.#partial.delete(part);
    }
  }
}
