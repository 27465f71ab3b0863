/**
 * What Ctrl-C does while a command waits: undo what is half done and say how to resume. The
 * batch keeps running in the service; only the watching stops.
 */
let handler: (() => void) | null = null;

/** Sets (or clears, with null) what runs on SIGINT before the process exits with 130. */
export function onInterrupt(next: (() => void) | null): void {
  handler = next;
}

/** Installs the SIGINT listener once, at startup. */
export function installInterruptHandler(exit: (code: number) => never): void {
  process.once('SIGINT', () => {
    handler?.();
    exit(130);
  });
}
