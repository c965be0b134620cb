/**
 * The output of the COPY encoders: bytes appended into a preallocated Buffer, handed out in chunks of about
 * `chunkBytes` (a chunk is never reused once taken, as the socket may still hold it). ASCII and integer
 * writers work on bytes directly; nothing goes through JS strings except where noted.
 */
export const TAB = 9;
export const NEWLINE = 10;
const BACKSLASH = 92;
const N = 78;

export class CopyChunks {
  buf: Buffer;
  pos = 0;

  constructor(readonly chunkBytes = 1 << 20) {
    this.buf = Buffer.allocUnsafe(chunkBytes + (chunkBytes >> 2));
  }

  /** Room for `n` more bytes (grows the current chunk for an oversized value). */
  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(bigger, 0, 0, this.pos);
    this.buf = bigger;
  }

  /** True once the current chunk has reached its nominal size. */
  get full(): boolean {
    return this.pos >= this.chunkBytes;
  }

  /** The bytes written so far (null when none), and a fresh chunk for the next ones. */
  take(): Buffer | null {
    if (this.pos === 0) return null;
    const chunk = this.buf.subarray(0, this.pos);
    this.buf = Buffer.allocUnsafe(this.chunkBytes + (this.chunkBytes >> 2));
    this.pos = 0;
    return chunk;
  }

  byte(b: number): void {
    this.ensure(1);
    this.buf[this.pos++] = b;
  }

  /** `\N`, COPY's null. */
  nullValue(): void {
    this.ensure(2);
    this.buf[this.pos++] = BACKSLASH;
    this.buf[this.pos++] = N;
  }

  /** Bytes as they are (already COPY text: no escaping). */
  bytes(src: Uint8Array): void {
    this.ensure(src.length);
    this.buf.set(src, this.pos);
    this.pos += src.length;
  }

  /** A string of ASCII characters (numbers, keywords). */
  ascii(text: string): void {
    const n = text.length;
    this.ensure(n);
    const buf = this.buf;
    let pos = this.pos;
    for (let i = 0; i < n; i++) buf[pos++] = text.charCodeAt(i);
    this.pos = pos;
  }

  /** Any string, UTF-8 encoded, unescaped (the caller escaped it). */
  utf8(text: string): void {
    this.ensure(text.length * 3);
    this.pos += this.buf.write(text, this.pos, "utf8");
  }

  /** A safe integer in decimal. */
  integer(value: number): void {
    this.ensure(24);
    const buf = this.buf;
    let pos = this.pos;
    let v = value;
    if (v < 0) {
      buf[pos++] = 45;
      v = -v;
    }
    if (v < 10) {
      buf[pos++] = 48 + v;
      this.pos = pos;
      return;
    }
    let digits = 1;
    for (let p = 10; p <= v; p *= 10) digits++;
    let at = pos + digits;
    this.pos = at;
    while (at > pos) {
      const q = Math.floor(v / 10);
      buf[--at] = 48 + (v - q * 10);
      v = q;
    }
  }

  /** `value` (0 ≤ value < 10^width) zero-padded to `width` digits; the caller ensured the room. */
  padded(value: number, width: number): void {
    const buf = this.buf;
    const start = this.pos;
    let at = start + width;
    this.pos = at;
    let v = value;
    while (at > start) {
      const q = Math.floor(v / 10);
      buf[--at] = 48 + (v - q * 10);
      v = q;
    }
  }
}
