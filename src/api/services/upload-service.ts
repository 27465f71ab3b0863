import { PassThrough, type Readable } from 'node:stream';
import type { Config } from '../../shared/config.ts';
import { PayloadTooLargeError, ValidationError } from '../../shared/errors.ts';
import { isId, newId } from '../../shared/ids.ts';
import type { Logger } from '../../shared/logger.ts';
import type { ObjectStorage } from '../../shared/storage/object-storage.ts';
import { RAW_PCM_TYPE, sniffAudio } from '../../shared/uploads/audio-sniff.ts';
import {
  uploadKey,
  type UploadRecord,
  type UploadStore,
} from '../../shared/uploads/upload-store.ts';
import type { ListUploadsQuery, UploadList, UploadView } from '../schemas.ts';

/**
 * Bytes stored under `uploads/{id}` but not yet recorded: the one-shot job route stores the
 * audio before it has seen (and validated) the request, and must be able to take it back.
 */
export interface StagedUpload {
  id: string;
  key: string;
  bytes: number;
  sha256: string;
  contentType: string;
  /** Set once recorded: from then on the upload is the caller's and is never discarded. */
  committed: boolean;
}

/** Storage for the bytes, the store for the records, config for the size limit. */
export type UploadServiceDeps = {
  config: Config;
  logger: Logger;
  storage: ObjectStorage;
  uploads: UploadStore;
};

const DEFAULT_CONTENT_TYPE = 'application/octet-stream';
// type/subtype with optional parameters; anything else would be echoed back on downloads.
const CONTENT_TYPE = /^[\w.+-]+\/[\w.+-]+(?: *;[ \x21-\x7e]*)?$/;

/** Stores input audio, streamed and size-limited, and records who owns it. */
export class UploadService {
  constructor(private readonly deps: UploadServiceDeps) {}

  /**
   * Streams `body` to storage. Refuses (415) what is not audio, (422) an empty body and (413)
   * one over MAX_UPLOAD_BYTES; in every case nothing is left under the key. The recorded
   * content type is the one detected, not the one declared (raw PCM: `audio/pcm`). `field` names the body part
   * in errors (`body`, `file`, `audio`); `declaredBytes` (Content-Length) refuses early.
   */
  async stage(
    body: Readable,
    contentType: string | undefined,
    field: string,
    declaredBytes?: number,
  ): Promise<StagedUpload> {
    const { MAX_UPLOAD_BYTES } = this.deps.config;
    if (declaredBytes !== undefined && declaredBytes > MAX_UPLOAD_BYTES) {
      throw new PayloadTooLargeError(MAX_UPLOAD_BYTES);
    }
    // Decided on the first bytes, before anything is stored: not audio is a 415.
    const sniffed = await sniffAudio(body, normalizeContentType(contentType, field), field);
    const id = newId('upl');
    const key = uploadKey(id);
    // The driver destroys what it is given when a write fails; hand it a pipe, not the
    // request itself, so the socket stays open for the 413 answer.
    const pipe = new PassThrough();
    sniffed.body.on('error', (error) => pipe.destroy(error)).pipe(pipe);
    const stored = await this.deps.storage.put(key, pipe, {
      contentType: sniffed.contentType,
      maxBytes: MAX_UPLOAD_BYTES,
    });
    const problem =
      stored.bytes === 0
        ? 'is empty'
        : sniffed.contentType === RAW_PCM_TYPE && stored.bytes % 2 !== 0
          ? 'is raw 16-bit PCM of an odd number of bytes (samples are 2 bytes each)'
          : null;
    if (problem !== null) {
      await this.deps.storage.delete(key);
      throw new ValidationError(`The upload ${problem}.`, [{ field, message: problem }]);
    }
    return {
      id,
      key,
      bytes: stored.bytes,
      sha256: stored.sha256,
      contentType: sniffed.contentType,
      committed: false,
    };
  }

  /** Records a staged upload as `owner`'s. */
  async commit(owner: string, staged: StagedUpload): Promise<UploadRecord> {
    const record: UploadRecord = {
      id: staged.id,
      owner,
      key: staged.key,
      bytes: staged.bytes,
      sha256: staged.sha256,
      content_type: staged.contentType,
      created_at: new Date().toISOString(),
    };
    await this.deps.uploads.create(record);
    staged.committed = true;
    return record;
  }

  /** Deletes a staged upload that was never committed; best effort (logged, not thrown). */
  async discard(staged: StagedUpload | null | undefined): Promise<void> {
    if (!staged || staged.committed) return;
    try {
      await this.deps.storage.delete(staged.key);
    } catch (error) {
      this.deps.logger.warn({ err: error, key: staged.key }, 'could not delete a discarded upload');
    }
  }

  /** `GET /v1/uploads`: a page of the owner's uploads (of one sha256, if asked), newest first. */
  async list(owner: string, query: ListUploadsQuery): Promise<UploadList> {
    if (query.cursor !== undefined && !isId('upl', query.cursor)) {
      throw new ValidationError('Invalid cursor.', [
        { field: 'cursor', message: 'must be the next_cursor of a previous page' },
      ]);
    }
    const page = await this.deps.uploads.list({ owner, ...query });
    return { object: 'list', data: page.records.map(toUploadView), next_cursor: page.nextCursor };
  }

  /** `POST /v1/uploads`: commits what was staged and answers its view; discards on failure. */
  async publish(owner: string, staged: StagedUpload): Promise<UploadView> {
    try {
      return toUploadView(await this.commit(owner, staged));
    } catch (error) {
      await this.discard(staged);
      throw error;
    }
  }
}

/** The public view of an upload record: no owner, no storage key. */
export function toUploadView(record: UploadRecord): UploadView {
  return {
    id: record.id,
    object: 'upload',
    bytes: record.bytes,
    sha256: record.sha256,
    content_type: record.content_type,
    created_at: record.created_at,
  };
}

function normalizeContentType(value: string | undefined, field: string): string {
  const type = value?.trim() ?? '';
  if (type === '') return DEFAULT_CONTENT_TYPE;
  if (type.length > 255 || !CONTENT_TYPE.test(type)) {
    throw new ValidationError('Invalid content type.', [
      {
        field: field === 'body' ? 'content-type' : `${field}.content-type`,
        message: 'is not a valid media type',
      },
    ]);
  }
  return type;
}
