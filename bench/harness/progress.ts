/**
 * The progress line: rewritten in place on a terminal, a plain line every 5 s otherwise (CI
 * logs), on stderr so the table on stdout stays clean.
 */
export class Progress {
  readonly #tty = process.stderr.isTTY;
  #lastPrinted = 0;
  #started = performance.now();
  #scenario = '';

  /** A new scenario starts: its name heads every line until the next. */
  begin(scenario: string): void {
    this.#scenario = scenario;
    this.#started = performance.now();
    this.#lastPrinted = 0;
    this.update('starting');
  }

  update(text: string): void {
    const elapsed = ((performance.now() - this.#started) / 1000).toFixed(0);
    const line = `[${this.#scenario} ${elapsed}s] ${text}`;
    if (this.#tty) {
      process.stderr.write(`\r\x1b[2K${line.slice(0, (process.stderr.columns || 120) - 1)}`);
    } else if (performance.now() - this.#lastPrinted >= 5_000) {
      process.stderr.write(`${line}\n`);
      this.#lastPrinted = performance.now();
    }
  }

  /** A line that stays (a scenario's outcome). */
  note(text: string): void {
    process.stderr.write(`${this.#tty ? '\r\x1b[2K' : ''}${text}\n`);
  }
}
