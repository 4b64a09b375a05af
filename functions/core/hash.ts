import { createHash } from 'node:crypto';

/** sha256 hex of a string (UTF-8) or bytes. */
export function sha256(value: string | Uint8Array): string {
  return createHash('sha256').update(value).digest('hex');
}
