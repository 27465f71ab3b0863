/**
 * What can stop a command, each with the exit code it ends the process with:
 * 0 everything succeeded; 1 items failed or were canceled (or an output could not be saved);
 * 2 usage or validation errors (nothing was submitted); 3 the service could not be reached or
 * refused a request; 130 interrupted.
 */
export const EXIT = {
  ok: 0,
  itemsFailed: 1,
  usage: 2,
  service: 3,
  interrupted: 130,
} as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** An error the CLI explains to the user itself (no stack trace) and exits with. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode,
    /** Further lines printed under the message (problems, hints). */
    readonly lines: readonly string[] = [],
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** Bad arguments, options or configuration. */
export class UsageError extends CliError {
  constructor(message: string, lines: readonly string[] = []) {
    super(message, EXIT.usage, lines);
  }
}

/** One problem of a manifest, at a line of its file. */
export interface ManifestProblem {
  /** 1-based line number in the manifest file (of the CSV header for column problems). */
  line: number;
  /** The field (dotted path) or column concerned, when there is one. */
  field?: string;
  message: string;
}

/** The manifest is invalid: every problem found, nothing submitted. */
export class ManifestError extends CliError {
  constructor(
    readonly file: string,
    readonly problems: readonly ManifestProblem[],
  ) {
    super(
      `${file}: ${problems.length} problem(s); nothing was submitted.`,
      EXIT.usage,
      problems.map(formatProblem),
    );
  }
}

export function formatProblem(problem: ManifestProblem): string {
  const field = problem.field ? `${problem.field}: ` : '';
  return `line ${problem.line}: ${field}${problem.message}`;
}

/** A detail of the API's error envelope. */
export interface ApiErrorDetail {
  field: string;
  message: string;
  code?: string | undefined;
}

/** The API answered with an error envelope (or something that is not one). */
export class ApiError extends CliError {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: readonly ApiErrorDetail[],
    readonly requestId: string | null,
  ) {
    super(
      `${message} (HTTP ${status} ${code}${requestId ? `, request ${requestId}` : ''})`,
      status === 422 ? EXIT.usage : EXIT.service,
      details.map((detail) => `${detail.field}: ${detail.message}`),
    );
  }
}

/** The API could not be reached at all. */
export class NetworkError extends CliError {
  constructor(baseUrl: string, cause: unknown) {
    super(`Cannot reach audiobatch at ${baseUrl} (${reasonOf(cause)}).`, EXIT.service, [
      'Is the service running (`npm start`)? Set AUDIOBATCH_URL to point elsewhere.',
    ]);
  }
}

/** The innermost useful reason of a fetch failure: `ECONNREFUSED`, a timeout, … */
function reasonOf(error: unknown): string {
  let current = error;
  for (let depth = 0; depth < 4 && current instanceof Error; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    if (current.name === 'TimeoutError') return 'timed out';
    if (!current.cause) return current.message;
    current = current.cause;
  }
  return String(current);
}
