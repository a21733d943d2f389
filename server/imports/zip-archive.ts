import { createWriteStream } from 'node:fs';
import { mkdir, stat, statfs } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import yauzl from 'yauzl';
import { FileError, type ImportLimits } from './source';

/**
 * Extracts a zip archive safely: every entry is checked before anything is written (entry count,
 * declared total size, no absolute or `..` paths, no symbolic links), and while writing the real
 * byte count is held to the same cap, so a zip bomb stops at the cap whatever its headers claim.
 * Files are written flat into `dir` under their base names. Returns the written paths.
 */
export async function extractZip(
  path: string,
  dir: string,
  limits: ImportLimits,
): Promise<string[]> {
  const zip = await new Promise<yauzl.ZipFile>((resolve, reject) =>
    yauzl.open(
      path,
      { lazyEntries: true, autoClose: false, decodeStrings: false, validateEntrySizes: true },
      (err, z) =>
        err ? reject(new FileError(`not a readable zip archive: ${err.message}`)) : resolve(z!),
    ),
  );
  try {
    if (zip.entryCount > limits.maxZipEntries) {
      throw new FileError(
        `zip archive has ${zip.entryCount} entries; at most ${limits.maxZipEntries} are accepted`,
      );
    }
    const entries = await listEntries(zip);
    let declared = 0;
    for (const e of entries) {
      const name = (e.fileName as unknown as Buffer).toString('utf8');
      if (name.startsWith('/') || /^[a-zA-Z]:/.test(name) || name.includes('\\')) {
        throw new FileError(`zip entry "${name}" has an absolute path; refused`);
      }
      if (name.split('/').includes('..'))
        throw new FileError(`zip entry "${name}" escapes the archive with ".."; refused`);
      const mode = (e.externalFileAttributes >>> 16) & 0o170000;
      if (mode === 0o120000) throw new FileError(`zip entry "${name}" is a symbolic link; refused`);
      declared += e.uncompressedSize;
    }
    if (declared > limits.maxUncompressedBytes) {
      throw new FileError(
        `zip archive would expand to ${declared} bytes; the limit is ${limits.maxUncompressedBytes}`,
      );
    }
    // An honest zip bomb declares its size: refuse it from the headers, before writing a byte.
    const compressed = (await stat(path)).size;
    const ratio = declared / Math.max(1, compressed);
    if (declared > RATIO_FLOOR && ratio > (limits.maxZipRatio ?? Infinity)) {
      throw new FileError(
        `zip archive would expand ${Math.round(ratio)}-fold (${mib(compressed)} → ${mib(declared)}); at most ${limits.maxZipRatio}-fold is accepted for archives over ${mib(RATIO_FLOOR)}`,
      );
    }
    await mkdir(dir, { recursive: true });
    const fs = await statfs(dirname(dir)).catch(() => undefined);
    if (fs) {
      const free = fs.bavail * fs.bsize;
      const reserve = limits.diskReserveBytes ?? 0;
      if (declared + reserve > free) {
        throw new FileError(
          `not enough free disk space to extract the archive: it expands to ${mib(declared)}, ${mib(free)} are free and ${mib(reserve)} must stay free`,
        );
      }
    }
    const written: string[] = [];
    let total = 0;
    for (const e of entries) {
      const name = (e.fileName as unknown as Buffer).toString('utf8');
      if (name.endsWith('/') || basename(name).startsWith('.') || name.startsWith('__MACOSX/'))
        continue;
      const target = join(dir, basename(name));
      const source = await new Promise<NodeJS.ReadableStream>((resolve, reject) =>
        zip.openReadStream(e, (err, s) =>
          err ? reject(new FileError(`zip entry "${name}": ${err.message}`)) : resolve(s!),
        ),
      );
      const counter = new Transform({
        transform(chunk: Buffer, _enc, done) {
          total += chunk.length;
          if (total > limits.maxUncompressedBytes) {
            done(
              new FileError(
                `zip archive expands beyond ${limits.maxUncompressedBytes} bytes; refused`,
              ),
            );
          } else done(null, chunk);
        },
      });
      try {
        await pipeline(source, counter, createWriteStream(target));
      } catch (error) {
        if (error instanceof FileError) throw error;
        throw new FileError(`zip entry "${name}" is damaged: ${(error as Error).message}`);
      }
      written.push(target);
    }
    return written;
  } finally {
    zip.close();
  }
}

/** Below this expanded size the ratio is not checked (small, highly regular files are harmless). */
const RATIO_FLOOR = 256 * 1024 ** 2;

const mib = (bytes: number) => `${(bytes / 1024 ** 2).toFixed(bytes < 10 * 1024 ** 2 ? 1 : 0)} MiB`;

function listEntries(zip: yauzl.ZipFile): Promise<yauzl.Entry[]> {
  return new Promise((resolve, reject) => {
    const out: yauzl.Entry[] = [];
    zip.on('entry', (e: yauzl.Entry) => {
      out.push(e);
      zip.readEntry();
    });
    zip.on('end', () => resolve(out));
    zip.on('error', (err: Error) => reject(new FileError(`damaged zip archive: ${err.message}`)));
    zip.readEntry();
  });
}
