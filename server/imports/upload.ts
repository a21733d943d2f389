import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { basename, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import busboy from 'busboy';
import { makeTempDir } from './temp-files';
import { TwinError } from '../../common/twin-error';

export interface Upload {
  /** The file on disk (in its own temporary directory). */
  path: string;
  fileName: string;
  bytes: number;
  /** Text fields; repeated fields (map) keep every value. */
  fields: Map<string, string[]>;
  /** Removes the temporary directory. */
  discard(): Promise<void>;
}

/** An upload that is not a well-formed multipart form (400), or is over the size limit (413). */
export class UploadError extends TwinError {
  override name = 'UploadError';
  constructor(
    message: string,
    readonly tooLarge = false,
  ) {
    super(tooLarge ? 413 : 400, tooLarge ? 'too_large' : 'bad_request', message);
  }
}

/**
 * Streams a multipart/form-data upload to a temporary file with busboy: one file part (`file`)
 * and text fields. Nothing is buffered whole; past `maxBytes` the upload is cut off and refused.
 * `incoming` is the raw Node request (@hono/node-server's `c.env.incoming`); without it (tests
 * via `app.request`) the web request body is streamed instead.
 */
export async function receiveUpload(
  headers: Record<string, string>,
  body: IncomingMessage | ReadableStream<Uint8Array> | null,
  maxBytes: number,
): Promise<Upload> {
  if (!body)
    throw new UploadError('the request has no body; send multipart/form-data with a "file" part');
  if (!/^multipart\/form-data/i.test(headers['content-type'] ?? '')) {
    throw new UploadError(
      'send multipart/form-data with a "file" part and fields layer, mode, name, map, srs',
    );
  }
  const dir = await makeTempDir('upload');
  const fields = new Map<string, string[]>();
  let file: { path: string; fileName: string; bytes: number } | undefined;
  let writing: Promise<void> | undefined;
  const discard = () => rm(dir, { recursive: true, force: true });
  try {
    let bb: busboy.Busboy;
    try {
      bb = busboy({
        headers,
        limits: { fileSize: maxBytes, files: 1, fields: 100, fieldSize: 64 * 1024, parts: 110 },
      });
    } catch (error) {
      throw new UploadError(`malformed multipart request: ${(error as Error).message}`);
    }
    const finished = new Promise<void>((resolve, reject) => {
      bb.on('field', (name, value) => fields.set(name, [...(fields.get(name) ?? []), value]));
      bb.on('file', (name, stream, info) => {
        if (name !== 'file' || file) {
          stream.resume();
          return;
        }
        const fileName =
          basename(info.filename || 'upload')
            .replace(/[^\w.-]+/g, '_')
            .slice(-120) || 'upload';
        const path = join(dir, fileName);
        const entry = { path, fileName, bytes: 0 };
        file = entry;
        let truncated = false;
        stream.on('data', (c: Buffer) => (entry.bytes += c.length));
        stream.on('limit', () => (truncated = true));
        writing = pipeline(stream, createWriteStream(path)).then(() => {
          if (truncated)
            throw new UploadError(`the file exceeds the upload limit of ${maxBytes} bytes`, true);
        });
        writing.catch(() => undefined);
      });
      bb.on('close', resolve);
      bb.on('error', (e) =>
        reject(new UploadError(`malformed multipart request: ${(e as Error).message}`)),
      );
    });
    const source =
      body instanceof Readable ? body : Readable.fromWeb(body as WebReadableStream<Uint8Array>);
    source.pipe(bb);
    await finished;
    await writing;
    if (!file) throw new UploadError('the request has no "file" part');
    const f = file as { path: string; fileName: string; bytes: number };
    return { ...f, fields, discard };
  } catch (error) {
    await discard();
    throw error;
  }
}
