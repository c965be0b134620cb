import { describe, expect, it } from "vitest";
import { RecordSplitError, splitJsonArray, splitJsonLines, splitRecordBatches, wholeFile, type RawRecord } from "../../scripts/silver/records.ts";

async function* chunked(text: string | Buffer, size: number): AsyncGenerator<Buffer> {
  const bytes = Buffer.isBuffer(text) ? text : Buffer.from(text, "utf8");
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

async function collect(gen: AsyncGenerator<RawRecord>): Promise<RawRecord[]> {
  const out: RawRecord[] = [];
  for await (const r of gen) out.push(r);
  return out;
}

describe("splitJsonArray", () => {
  const values = [
    { a: 1, s: 'comma, bracket ] brace } quote \\" backslash \\\\', nested: [[1, 2], { x: [] }] },
    "a string, with ] inside",
    42,
    null,
    { émoji: "😀 é", empty: {} },
    [],
  ];
  const text = ` \n[\n  ${values.map((v) => JSON.stringify(v)).join(" ,\n  ")}\n]\n`;

  it("gives each element in order, whatever the chunk boundaries", async () => {
    for (const size of [1, 2, 3, 7, 64, 1 << 20]) {
      const records = await collect(splitJsonArray(chunked(text, size)));
      expect(records.map((r) => JSON.parse(r.text))).toEqual(values);
      expect(records.map((r) => r.record)).toEqual([1, 2, 3, 4, 5, 6]);
    }
  });

  it("handles an empty array, a BOM and pretty-printed elements", async () => {
    expect(await collect(splitJsonArray(chunked("[ ]", 1)))).toEqual([]);
    const bom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('[{"a":1}]')]);
    expect((await collect(splitJsonArray(chunked(bom, 2)))).map((r) => JSON.parse(r.text))).toEqual([{ a: 1 }]);
    const pretty = JSON.stringify([{ a: [1, { b: "x" }] }, { c: 2 }], null, 2);
    expect((await collect(splitJsonArray(chunked(pretty, 5)))).map((r) => JSON.parse(r.text))).toEqual([{ a: [1, { b: "x" }] }, { c: 2 }]);
  });

  it("keeps an element that is itself invalid JSON as text (quarantined later), but fails on a broken array", async () => {
    const records = await collect(splitJsonArray(chunked('[{"a":1}, {"b": tru}, 3]', 4)));
    expect(records.map((r) => r.text.trim())).toEqual(['{"a":1}', '{"b": tru}', "3"]);
    await expect(collect(splitJsonArray(chunked('{"a":1}', 3)))).rejects.toThrow(/not a JSON array .* at byte 0/);
    await expect(collect(splitJsonArray(chunked('[{"a":1}, {"b"', 3)))).rejects.toThrow(RecordSplitError);
    await expect(collect(splitJsonArray(chunked('[1,2]x', 3)))).rejects.toThrow(/data after the end of the JSON array at byte 5/);
    await expect(collect(splitJsonArray(chunked("[1,,2]", 3)))).rejects.toThrow(/missing array element/);
    await expect(collect(splitJsonArray(chunked("[1,]", 3)))).rejects.toThrow(/missing array element/);
    await expect(collect(splitJsonArray(chunked("", 3)))).rejects.toThrow(/empty file/);
  });
});

describe("splitJsonLines", () => {
  it("numbers physical lines, skips blank lines, handles CRLF and a last line without newline", async () => {
    const text = '{"a":1}\r\n\n  \n{"a":2}\n{"a":3}';
    for (const size of [1, 3, 100]) {
      const records = await collect(splitJsonLines(chunked(text, size)));
      expect(records.map((r) => [r.line, r.record, JSON.parse(r.text).a])).toEqual([
        [1, 1, 1],
        [4, 2, 2],
        [5, 3, 3],
      ]);
    }
  });
  it("multi-byte characters split across chunks stay intact", async () => {
    const text = '{"s":"Café Tacuba – 😀"}\n';
    const records = await collect(splitJsonLines(chunked(text, 1)));
    expect(JSON.parse(records[0].text).s).toBe("Café Tacuba – 😀");
  });
});

describe("UTF-8", () => {
  it("flags records whose bytes are not valid UTF-8, not those with a genuine U+FFFD", async () => {
    const bytes = Buffer.concat([Buffer.from('{"a":"ok"}\n{"a":"bad '), Buffer.from([0xc3, 0x28]), Buffer.from('"}\n{"a":"genuine \uFFFD"}\n', "utf8")]);
    const records = await collect(splitJsonLines(chunked(bytes, 5)));
    expect(records.map((r) => r.invalidUtf8 ?? false)).toEqual([false, true, false]);
    const array = Buffer.concat([Buffer.from('[{"a":"'), Buffer.from([0xff]), Buffer.from('"}, {"a":1}]')]);
    expect((await collect(splitJsonArray(chunked(array, 3)))).map((r) => r.invalidUtf8 ?? false)).toEqual([true, false]);
  });
});

describe("wholeFile", () => {
  it("is one record", async () => {
    expect((await collect(wholeFile(chunked('{"a":\n1}', 2)))).map((r) => JSON.parse(r.text))).toEqual([{ a: 1 }]);
  });
});

describe("splitRecordBatches", () => {
  it("gives one array per chunk that completes records, and the records before damage ahead of the error", async () => {
    const batches: number[][] = [];
    const run = async () => {
      for await (const batch of splitRecordBatches("json-array", chunked("[1,2,3}", 4))) batches.push(batch.map((r) => r.record));
    };
    await expect(run()).rejects.toThrow(/unbalanced '}' in the JSON array at byte 6/);
    expect(batches).toEqual([[1], [2]]);
    const lines: number[][] = [];
    for await (const batch of splitRecordBatches("jsonl", chunked("1\n2\n3", 4))) lines.push(batch.map((r) => r.line!));
    expect(lines).toEqual([[1, 2], [3]]);
  });
});
