/**
 * Counting a text's UTF-8 over the whole file, fed in chunks: how many
 * multi-byte characters are valid UTF-8 and how many byte sequences are not,
 * with the byte offsets of the first invalid ones. Chunks that are valid as a
 * whole (nearly all of them) are checked by Node's native validator; only a
 * chunk holding an invalid byte is walked sequence by sequence. Valid
 * characters are only counted once an invalid sequence is found: the text
 * before it (`uncountedBytes`, valid as a whole) is counted by the caller
 * with countValid, so a valid file costs the native check alone.
 */
import { isUtf8 } from 'node:buffer';

/** Invalid sequences whose offsets are kept (the rest are only counted). */
export const MAX_INVALID_OFFSETS = 100_000;

export interface Utf8Count {
  /** Valid characters of two to four bytes (counted only when the text has invalid sequences; 0 otherwise). */
  validSequences: number;
  /** Invalid byte sequences (each becomes one U+FFFD when decoded, as the WHATWG decoder does). */
  invalidSequences: number;
  /** Byte offsets of the first MAX_INVALID_OFFSETS invalid sequences, ascending. */
  invalidOffsets: number[];
  /** The bytes of the first invalid sequence, e.g. `0xE9`. */
  firstInvalidBytes?: string;
}

/** Bytes a sequence starting with `lead` needs (1 for ASCII and for bytes that cannot start one). */
function sequenceLength(lead: number): number {
  if (lead >= 0xc2 && lead <= 0xdf) return 2;
  if (lead >= 0xe0 && lead <= 0xef) return 3;
  if (lead >= 0xf0 && lead <= 0xf4) return 4;
  return 1;
}

/** The range the second byte of a sequence must fall in (the first/last rules of RFC 3629 table 3-7). */
function secondByteRange(lead: number): [number, number] {
  if (lead === 0xe0) return [0xa0, 0xbf];
  if (lead === 0xed) return [0x80, 0x9f];
  if (lead === 0xf0) return [0x90, 0xbf];
  if (lead === 0xf4) return [0x80, 0x8f];
  return [0x80, 0xbf];
}

export class Utf8Counter implements Utf8Count {
  validSequences = 0;
  invalidSequences = 0;
  readonly invalidOffsets: number[] = [];
  firstInvalidBytes?: string;
  /** Bytes at the end of the last chunk that may start a character the next chunk completes. */
  private carry: Buffer = Buffer.alloc(0);
  /** File offset of the first byte of `carry`. */
  private base = 0;
  /** Bytes at the start of the text, valid as a whole, whose characters are not counted yet (see countValid). */
  uncountedBytes = 0;
  private counting = false;

  push(chunk: Uint8Array): void {
    const bytes = this.carry.length > 0 ? Buffer.concat([this.carry, chunk]) : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length);
    // A character cut by the chunk's end waits for the next chunk.
    let cut = bytes.length;
    for (let i = bytes.length - 1; i >= Math.max(0, bytes.length - 3); i--) {
      const b = bytes[i] as number;
      if (b < 0x80) break;
      if (b >= 0xc0) {
        if (i + sequenceLength(b) > bytes.length) cut = i;
        break;
      }
    }
    const body = bytes.subarray(0, cut);
    if (!isUtf8(body)) {
      this.counting = true;
      this.walk(body, this.base);
    } else if (this.counting) this.countValid(body);
    else this.uncountedBytes += body.length;
    this.carry = Buffer.from(bytes.subarray(cut));
    this.base += cut;
  }

  /** Call after the last chunk: a character cut off by the end of the file is invalid. */
  end(): void {
    if (this.carry.length > 0) this.walk(this.carry, this.base);
    this.carry = Buffer.alloc(0);
  }

  /** Count the characters of valid UTF-8 bytes: the first `uncountedBytes` of the text, when it has invalid sequences. */
  countValid(bytes: Uint8Array): void {
    let leads = 0;
    for (let i = 0; i < bytes.length; i++) if ((bytes[i] as number) >= 0xc0) leads++;
    this.validSequences += leads;
  }

  /** Check `bytes` sequence by sequence; an invalid sequence is its maximal valid prefix, or one byte (WHATWG). */
  private walk(bytes: Uint8Array, base: number): void {
    let i = 0;
    while (i < bytes.length) {
      const lead = bytes[i] as number;
      if (lead < 0x80) {
        i++;
        continue;
      }
      const need = sequenceLength(lead);
      let n = 1;
      if (need > 1) {
        const [lo, hi] = secondByteRange(lead);
        while (n < need && i + n < bytes.length) {
          const b = bytes[i + n] as number;
          if (n === 1 ? b < lo || b > hi : b < 0x80 || b > 0xbf) break;
          n++;
        }
      }
      if (need > 1 && n === need) this.validSequences++;
      else this.invalid(bytes.subarray(i, i + n), base + i);
      i += n;
    }
  }

  private invalid(seq: Uint8Array, offset: number): void {
    this.invalidSequences++;
    if (this.firstInvalidBytes === undefined) this.firstInvalidBytes = [...seq].map((b) => `0x${b.toString(16).toUpperCase().padStart(2, '0')}`).join(' ');
    if (this.invalidOffsets.length < MAX_INVALID_OFFSETS) this.invalidOffsets.push(offset);
  }
}

/**
 * The rule for a text that is not all valid UTF-8: it is UTF-8 when its valid
 * multi-byte characters outnumber its invalid sequences (a few bad bytes in a
 * UTF-8 export), and a single-byte encoding when its non-ASCII bytes are
 * mostly invalid UTF-8 (a Windows-1252 or Latin-1 file, where a lone é is an
 * invalid sequence and valid pairs happen only by chance).
 */
export function isMostlyUtf8(count: Utf8Count): boolean {
  return count.invalidSequences === 0 || count.validSequences > count.invalidSequences;
}
