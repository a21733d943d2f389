import type { FrameContentType } from '../../common/camera-types';

/** The image types a camera may upload (issue #17). */
export const FRAME_TYPES: readonly FrameContentType[] = ['image/jpeg', 'image/png', 'image/webp'];

const PNG = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

const startsWith = (b: Uint8Array, sig: readonly number[], at = 0) =>
  b.length >= at + sig.length && sig.every((x, i) => b[at + i] === x);

const ascii = (s: string) => [...s].map((c) => c.charCodeAt(0));

/**
 * The image type its magic bytes say a body is, or null: JPEG starts FF D8 FF (ITU T.81 SOI
 * and a marker), PNG with its 8-byte signature (RFC 2083), WebP with a RIFF header whose form
 * type is `WEBP` (RFC 9649).
 */
export function sniffImageType(b: Uint8Array): FrameContentType | null {
  if (startsWith(b, [0xff, 0xd8, 0xff])) return 'image/jpeg';
  if (startsWith(b, PNG)) return 'image/png';
  if (b.length >= 16 && startsWith(b, ascii('RIFF')) && startsWith(b, ascii('WEBP'), 8))
    return 'image/webp';
  return null;
}

/** The media type of a Content-Type header without its parameters, lower case. */
export function mediaType(header: string | undefined): string {
  return (header ?? '').split(';')[0]!.trim().toLowerCase();
}
