/**
 * One error family for the whole service. The class says what went wrong; `httpStatus` says
 * how the intake answers it and `retryable` tells the worker whether another attempt can help.
 * The API's error handler and the worker's processor both read these fields and nothing else.
 */
export interface ErrorDetail {
  /** Dotted path of the offending field, e.g. `params.voice_settings.stability`. */
  field: string;
  message: string;
  code?: string;
}

export interface AppErrorOptions {
  details?: ErrorDetail[];
  retryable?: boolean;
  cause?: unknown;
}

export class AppError extends Error {
  readonly details: ErrorDetail[];
  readonly retryable: boolean;

  constructor(
    readonly code: string,
    message: string,
    readonly httpStatus: number,
    options: AppErrorOptions = {},
  ) {
    super(message, { cause: options.cause });
    this.name = new.target.name;
    this.details = options.details ?? [];
    this.retryable = options.retryable ?? false;
  }
}

export class ValidationError extends AppError {
  constructor(message: string, details: ErrorDetail[]) {
    super('validation_failed', message, 422, { details });
  }
}

export class BadRequestError extends AppError {
  constructor(message: string, details: ErrorDetail[] = [], code = 'bad_request') {
    super(code, message, 400, { details });
  }
}

export class UnauthorizedError extends AppError {
  constructor(message = 'A valid API key is required: send Authorization: Bearer <key>.') {
    super('unauthorized', message, 401);
  }
}

export class NotFoundError extends AppError {
  constructor(what: string) {
    super('not_found', `${what} not found.`, 404);
  }
}

export class ConflictError extends AppError {
  constructor(message: string, code = 'conflict') {
    super(code, message, 409);
  }
}

export class PayloadTooLargeError extends AppError {
  constructor(limitBytes: number) {
    super('payload_too_large', `The body is larger than the limit of ${limitBytes} bytes.`, 413);
  }
}

export class UnsupportedMediaTypeError extends AppError {
  constructor(message: string) {
    super('unsupported_media_type', message, 415);
  }
}

/** A tenant's limit (request rate, queued jobs) is reached; `retryAfterSeconds` when known. */
export class TooManyRequestsError extends AppError {
  constructor(
    code: string,
    message: string,
    readonly retryAfterSeconds: number | null = null,
  ) {
    super(code, message, 429, { retryable: true });
  }
}

export class ServiceUnavailableError extends AppError {
  constructor(message: string, cause?: unknown) {
    super('service_unavailable', message, 503, { retryable: true, cause });
  }
}

/** An object the storage was asked for does not exist. */
export class ObjectNotFoundError extends AppError {
  constructor(readonly key: string) {
    super('object_not_found', `Object ${key} not found.`, 404);
  }
}
