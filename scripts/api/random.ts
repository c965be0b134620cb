import { createHash } from "node:crypto";

/**
 * A 32-bit seed from any parts (FNV-1a over their joined text, then murmur3's finaliser): the same parts
 * always give the same seed, on every platform. Not cryptographic; fast enough for a million rows.
 */
export function seedOf(...parts: (string | number)[]): number {
  const text = parts.join("\u0001");
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A small deterministic PRNG (mulberry32): same seed, same sequence, on every platform. */
export class Random {
  private state: number;
  private uuids = 0;

  /** `identity` names the sequence for uuid(): the parts it was made from, or the seed. */
  constructor(
    seed: number,
    private readonly identity: string = `seed:${seed >>> 0}`,
  ) {
    this.state = seed >>> 0;
  }

  static of(...parts: (string | number)[]): Random {
    return new Random(seedOf(...parts), parts.join("\u0001"));
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Integer in [min, max]. */
  between(min: number, max: number): number {
    return min + this.int(max - min + 1);
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  /**
   * A version-4-shaped uuid, deterministic for this sequence's identity and the number of uuids drawn.
   * It comes from a 128-bit hash of the identity, not from the 32-bit PRNG state: uuids drawn from that
   * state collide (about n²/2³³ pairs: at 100,000 sessions, one in the default data of a benchmark).
   */
  uuid(): string {
    const bytes = createHash("md5").update(`${this.identity}\u0002${this.uuids++}`).digest();
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    const hex = bytes.toString("hex");
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
  }
}
