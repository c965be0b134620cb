/**
 * Repair of double-encoded UTF-8 ("mojibake"): text whose UTF-8 bytes were decoded as Latin-1 or
 * Windows-1252 and encoded again, e.g. `CafÃ©` for `Café`. The Sparkify logs hold text that went through
 * this twice (`CafÃ\u0083Â©`), so the repair is applied until the text stops changing (at most 3 rounds).
 *
 * One round: map every character back to the single byte Latin-1/CP1252 gives it; if any character has
 * no such byte, the text is not mojibake and is kept. Decode the bytes as strict UTF-8; if that fails
 * (e.g. a genuine `é` alone is byte E9, not valid UTF-8) the text is kept. Only a valid round trip
 * that changes the text is a repair, so correct text (ASCII, genuine accents, `¿Para Qué?`) is untouched.
 */

/** Windows-1252 characters in 0x80–0x9F that differ from Latin-1, mapped back to their byte. */
const CP1252: Record<number, number> = {
  0x20ac: 0x80, 0x201a: 0x82, 0x0192: 0x83, 0x201e: 0x84, 0x2026: 0x85, 0x2020: 0x86, 0x2021: 0x87,
  0x02c6: 0x88, 0x2030: 0x89, 0x0160: 0x8a, 0x2039: 0x8b, 0x0152: 0x8c, 0x017d: 0x8e, 0x2018: 0x91,
  0x2019: 0x92, 0x201c: 0x93, 0x201d: 0x94, 0x2022: 0x95, 0x2013: 0x96, 0x2014: 0x97, 0x02dc: 0x98,
  0x2122: 0x99, 0x0161: 0x9a, 0x203a: 0x9b, 0x0153: 0x9c, 0x017e: 0x9e, 0x0178: 0x9f,
};

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

// A mojibake sequence starts with a UTF-8 lead byte seen as Latin-1 (Â–ô) followed by a continuation byte
// (0x80–0xBF seen as Latin-1 or CP1252): a cheap test that skips almost all clean text.
const SUSPECT = /[\u00c2-\u00f4][\u0080-\u00bf\u20ac\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039\u0152\u017d\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153\u017e\u0178]/;

/** One round; returns the input when it is not a valid, changing round trip. */
function repairOnce(text: string): string {
  const bytes = new Uint8Array(text.length);
  let high = false;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x100) {
      bytes[i] = code;
      if (code >= 0x80) high = true;
    } else {
      const byte = CP1252[code];
      if (byte === undefined) return text;
      bytes[i] = byte;
      high = true;
    }
  }
  if (!high) return text;
  let decoded: string;
  try {
    decoded = strictUtf8.decode(bytes);
  } catch {
    return text;
  }
  return decoded;
}

/** Repairs double (or multiply) encoded UTF-8; clean text is returned unchanged (same string). */
export function repairMojibake(text: string): string {
  if (!SUSPECT.test(text)) return text;
  let current = text;
  for (let round = 0; round < 3 && (round === 0 || SUSPECT.test(current)); round++) {
    const next = repairOnce(current);
    if (next === current) break;
    current = next;
  }
  return current;
}

/** Applies `repairMojibake` to a raw JSON value when it is a string; other values pass through. */
export function repairValue(raw: unknown): unknown {
  return typeof raw === "string" ? repairMojibake(raw) : raw;
}
