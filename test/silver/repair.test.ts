import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { fromRoot } from "../../scripts/core/paths.ts";
import { repairMojibake } from "../../scripts/silver/repair.ts";

const SPARKIFY = fromRoot("..", "shared", "data", "sparkify");

function lineOf(file: string, n: number): Record<string, unknown> {
  return JSON.parse(fs.readFileSync(path.join(SPARKIFY, file), "utf8").split("\n")[n - 1]);
}

describe("repairMojibake", () => {
  it("repairs real double-encoded UTF-8 from the Sparkify logs", () => {
    // 2018-11-02, line 52: "Caf\u00c3\u0083\u00c2\u00a9" is é encoded to UTF-8 and misread as Latin-1 twice.
    const event = lineOf("log_data/2018/11/2018-11-02-events.json", 52);
    expect(event.artist).toBe("Calle 13 Featuring Caf\u00c3\u0083\u00c2\u00a9 Tacuba");
    expect(repairMojibake(event.artist as string)).toBe("Calle 13 Featuring Café Tacuba");
    expect(repairMojibake(event.song as string)).toBe("No Hay Nadie Como Tú");
    const other = lineOf("log_data/2018/11/2018-11-02-events.json", 55);
    expect(repairMojibake(other.artist as string)).toBe("Emil Gilels/Orchestre de la Société des Concerts du Conservatoire/André Cluytens");
  });

  it("repairs single-round Latin-1 and CP1252 mojibake", () => {
    expect(repairMojibake("CafÃ©")).toBe("Café");
    expect(repairMojibake("BjÃ¶rk")).toBe("Björk");
    expect(repairMojibake("donâ€™t")).toBe("don’t");
  });

  it("leaves correct text alone, including genuine accents from the song files", () => {
    for (const text of ["¿Para Qué?", "Christophe Maé", "Je Me Lâche", "Björk", "plain ascii", "Life\u0019s Great", "Â", "naïve – café"]) {
      expect(repairMojibake(text)).toBe(text);
    }
  });

  it("no mojibake is left in any text field of the sample logs, and clean text is never changed", () => {
    const dir = path.join(SPARKIFY, "log_data/2018/11");
    let repaired = 0;
    const left: string[] = [];
    for (const file of fs.readdirSync(dir)) {
      for (const line of fs.readFileSync(path.join(dir, file), "utf8").split("\n")) {
        if (!line.trim()) continue;
        for (const value of Object.values(JSON.parse(line) as Record<string, unknown>)) {
          if (typeof value !== "string") continue;
          const fixed = repairMojibake(value);
          if (fixed !== value) repaired++;
          if (/Ã[\u0080-\u00bf]|Â[\u0080-\u00bf]/.test(fixed)) left.push(fixed);
        }
      }
    }
    expect(left).toEqual([]);
    expect(repaired).toBeGreaterThan(100);
  });
});
