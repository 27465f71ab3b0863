import { basename } from 'node:path';
import type { Matrix } from '../shared/batches/matrix.ts';
import { ApiError, CliError, EXIT } from './cli-errors.ts';
import type { Manifest } from './manifest/read-manifest.ts';

/** The options that shape a batch, shared by `submit` and `estimate`. */
export interface BatchShapeOptions {
  defaults?: string | undefined;
  seed?: number | undefined;
  name?: string | undefined;
  /** The batch budget (`max_characters`). */
  maxCharacters?: number | undefined;
  /** `--matrix` axes as given (text values; the manifest's reading types them). */
  matrix?: Matrix | undefined;
}

/** The `POST /v1/batches` body a manifest and the options make. */
export function batchSubmission(
  manifest: Manifest,
  defaults: Record<string, unknown> | undefined,
  options: BatchShapeOptions,
): object {
  return {
    items: manifest.items.map((prepared) => prepared.item),
    ...(defaults && { defaults }),
    ...(options.seed !== undefined && { seed: options.seed }),
    ...(options.maxCharacters !== undefined && { max_characters: options.maxCharacters }),
    ...(manifest.matrix && { matrix: manifest.matrix }),
    name: options.name ?? basename(manifest.file),
  };
}

/**
 * Sends a manifest's batch with `send`; the intake's 422 names items by index
 * (`items[3].params.seed`), so it is rethrown naming manifest lines instead.
 */
export async function sendManifest<T>(manifest: Manifest, send: () => Promise<T>): Promise<T> {
  try {
    return await send();
  } catch (error) {
    if (error instanceof ApiError && error.status === 422) throw byLine(error, manifest);
    throw error;
  }
}

function byLine(error: ApiError, manifest: Manifest): CliError {
  const lines = error.details.map((detail) => {
    const match = /^items\[(\d+)\]\.?(.*)$/.exec(detail.field);
    const item = match ? manifest.items[Number(match[1])] : undefined;
    if (!match || !item) return `${detail.field}: ${detail.message}`;
    return `line ${item.line}: ${match[2] ? `${match[2]}: ` : ''}${detail.message}`;
  });
  return new CliError(
    `${manifest.file}: the service refused the batch (HTTP ${error.status} ${error.code}); nothing was submitted.`,
    EXIT.usage,
    lines,
  );
}
