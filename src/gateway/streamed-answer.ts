import { PassThrough, type Readable } from 'node:stream';
import { ANSWER_ENTRY } from '../shared/jobs/answer-stream.ts';
import type { Logger } from '../shared/logger.ts';
import { duplicateRedis, type Redis } from '../shared/redis/connections.ts';

/** One entry of an answer stream, decoded. */
type Entry =
  | { kind: 'head'; headers: Record<string, string> }
  | { kind: 'data'; bytes: Buffer }
  | { kind: 'end' }
  | { kind: 'error'; message: string };

/** What the pump asks of its caller: is the job still going, and what to do at the end. */
export interface PumpHooks {
  /** After the upstream's last byte, before the body ends (waits for the job's archive). */
  beforeEnd: () => Promise<void>;
  /** Between two empty reads: false once the job ended without its answer's end. */
  stillRunning: () => Promise<boolean>;
}

/**
 * The reading end of a gateway answer stream (answer-tee.ts writes it): blocking XREADs on a
 * connection of its own, so one call's wait blocks nobody else's commands. First `started`
 * until the upstream's answer begins; then `pump` passes the bytes on as they come.
 */
export class StreamedAnswer {
  /** The current attempt's kept upstream headers, once its head was read. */
  headers: Record<string, string> = {};
  private readonly reader: Redis;
  private lastId = '0';
  /** Bytes of the current attempt read but not yet passed on. */
  private pending: Buffer[] = [];
  private ended = false;
  /** Whether the current attempt's head was read (and no error since). */
  private head = false;

  constructor(
    redis: Redis,
    private readonly key: string,
    private readonly logger: Logger,
  ) {
    this.reader = duplicateRedis(redis, {
      connectionName: 'audiobatch:gateway-answer',
      enableOfflineQueue: true,
      commandTimeout: READ_SLICE_MS + 10_000,
    });
    this.reader.on('error', (error: Error) =>
      logger.debug({ err: error }, 'answer reader connection error'),
    );
  }

  /**
   * Waits at most one read slice for the answer to begin: true once an attempt's head and its
   * first bytes (or its end) were read. A broken-off attempt before that is forgotten: the
   * job's retry starts a new one.
   */
  async started(): Promise<boolean> {
    for (const entry of await this.read()) {
      if (entry.kind === 'head') {
        this.head = true;
        this.headers = entry.headers;
        this.pending = [];
        this.ended = false;
      } else if (entry.kind === 'data') this.pending.push(entry.bytes);
      else if (entry.kind === 'end') this.ended = true;
      else this.head = false;
    }
    return this.head && (this.pending.length > 0 || this.ended);
  }

  /** The body from the bytes read so far on, as they come; ends or breaks off as upstream did. */
  pump(hooks: PumpHooks): Readable {
    const out = new PassThrough();
    this.run(out, hooks).then(
      () => this.close(),
      (error: unknown) => {
        this.logger.warn({ err: error }, 'gateway stream broke off');
        out.destroy(error instanceof Error ? error : new Error(String(error)));
        this.close();
      },
    );
    return out;
  }

  close(): void {
    // disconnect, not quit: a blocked XREAD would hold quit until its slice ended.
    this.reader.disconnect();
  }

  private async run(out: PassThrough, hooks: PumpHooks): Promise<void> {
    let entries: Entry[] = this.pending.map((bytes) => ({ kind: 'data', bytes }));
    if (this.ended) entries.push({ kind: 'end' });
    this.pending = [];
    for (;;) {
      for (const entry of entries) {
        if (out.destroyed) return; // the caller left: the route cancels the job
        switch (entry.kind) {
          case 'data':
            if (!out.write(entry.bytes)) await drained(out);
            break;
          case 'end':
            await hooks.beforeEnd();
            out.end();
            return;
          case 'head':
          case 'error':
            // Bytes already went out: a retry cannot continue them, so the caller sees a cut.
            throw new Error('the upstream answer broke off after its first bytes');
        }
      }
      if (out.destroyed) return;
      entries = await this.read();
      if (entries.length === 0 && !(await hooks.stillRunning())) {
        throw new Error('the job ended before its answer did');
      }
    }
  }

  private async read(): Promise<Entry[]> {
    const answer = await this.reader.xreadBuffer(
      'COUNT',
      256,
      'BLOCK',
      READ_SLICE_MS,
      'STREAMS',
      this.key,
      this.lastId,
    );
    const entries: Entry[] = [];
    for (const [, items] of answer ?? []) {
      for (const [id, fields] of items) {
        this.lastId = id.toString('latin1');
        entries.push(decode(fields));
      }
    }
    return entries;
  }
}

/** How long one blocking read waits before its caller checks the job, ms. */
export const READ_SLICE_MS = 2_000;

function decode(fields: Buffer[]): Entry {
  const values = new Map<string, Buffer>();
  for (let i = 0; i + 1 < fields.length; i += 2) {
    values.set(fields[i]!.toString('latin1'), fields[i + 1]!);
  }
  const text = (name: string) => values.get(name)?.toString('utf8') ?? '';
  switch (text('k')) {
    case ANSWER_ENTRY.head:
      return { kind: 'head', headers: JSON.parse(text('h')) as Record<string, string> };
    case ANSWER_ENTRY.data:
      return { kind: 'data', bytes: values.get('d') ?? Buffer.alloc(0) };
    case ANSWER_ENTRY.end:
      return { kind: 'end' };
    default:
      return { kind: 'error', message: text('m') };
  }
}

function drained(out: PassThrough): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      out.off('drain', done);
      out.off('close', done);
      resolve();
    };
    out.once('drain', done);
    out.once('close', done);
  });
}
