import { MultiBar, type SingleBar } from 'cli-progress';
import type { Batch } from './api-schemas.ts';
import { formatCharacters, formatDuration, formatRate } from './format.ts';
import type { DownloadStats } from './output-downloader.ts';

/** How a running batch is shown while the CLI waits for it. */
export interface ProgressView {
  update(batch: Batch, saved: DownloadStats | null): void;
  /** A message between updates (a warning), without breaking the bar. */
  log(message: string): void;
  stop(): void;
}

/** What both views show: counts, rate, ETA, and files saved. */
function tokens(batch: Batch, saved: DownloadStats | null) {
  const { counts, progress } = batch;
  return {
    finished: progress.finished,
    total: counts.total,
    succeeded: counts.succeeded,
    failed: counts.failed + counts.canceled,
    running: counts.running,
    queued: counts.queued,
    // Not `rate` / `eta`: cli-progress fills tokens of those names with its own estimates.
    rate_text: formatRate(progress.rate_per_second),
    eta_text: formatDuration(progress.eta_seconds),
    saved: saved ? ` | saved ${saved.downloaded + saved.present}` : '',
    usage: batch.usage ? ` | ${formatCharacters(batch.usage.characters)}` : '',
  };
}

/**
 * A live bar redrawn in place on a terminal (cli-progress): done/total, counts, rate and ETA
 * as the service computes them.
 */
export function terminalView(stream: NodeJS.WriteStream): ProgressView {
  const bars = new MultiBar({
    stream,
    // Counts kept under 80 columns for a 5-digit batch; usage comes last, where cli-progress
    // cuts what does not fit.
    format:
      '{bar} {percentage}% {finished}/{total} | ok {succeeded} failed {failed} running {running} | {rate_text} ETA {eta_text}{usage}',
    barCompleteChar: '█',
    barIncompleteChar: '░',
    barsize: 16,
    hideCursor: true,
    clearOnComplete: false,
    stopOnComplete: false,
    fps: 10,
  });
  let bar: SingleBar | null = null;
  return {
    update(batch, saved) {
      const values = tokens(batch, saved);
      if (!bar) bar = bars.create(values.total, values.finished, values);
      else {
        bar.setTotal(values.total);
        bar.update(values.finished, values);
      }
    },
    log(message) {
      bars.log(`${message}\n`);
    },
    stop() {
      bars.stop();
    },
  };
}

/**
 * Plain lines for logs and pipes: one on the first update, then one every `everyMs`, and the
 * last when the view stops, so a CI log shows progress without control characters.
 */
export function plainView(write: (line: string) => void, everyMs: number): ProgressView {
  let last: { batch: Batch; saved: DownloadStats | null } | null = null;
  let printedAt: number | null = null;
  let dirty = false;
  const print = () => {
    if (!last) return;
    const t = tokens(last.batch, last.saved);
    write(
      `[${new Date().toISOString().slice(11, 19)}] ${t.finished}/${t.total} finished` +
        ` | ok ${t.succeeded} · failed ${t.failed} · running ${t.running} · queued ${t.queued}` +
        ` | ${t.rate_text} | ETA ${t.eta_text}${t.usage}${t.saved}`,
    );
    printedAt = Date.now();
    dirty = false;
  };
  return {
    update(batch, saved) {
      // A copy: the downloader's stats keep moving after this update.
      last = { batch, saved: saved ? { ...saved } : null };
      dirty = true;
      if (printedAt === null || Date.now() - printedAt >= everyMs) print();
    },
    log(message) {
      write(message);
    },
    stop() {
      if (dirty) print();
    },
  };
}
