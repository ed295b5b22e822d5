import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { writeCacheFile } from "../../plan/cacheFile.cjs";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), "aml-cache-file-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe("writing a cache entry", () => {
  it("creates the entry's directory, replaces the entry whole, and leaves nothing else beside it", () => {
    const file = path.join(dir, "kind", "entry.json");
    writeCacheFile(file, "first");
    writeCacheFile(file, "second");
    expect(readFileSync(file, "utf8")).toBe("second");
    expect(readdirSync(path.dirname(file))).toEqual(["entry.json"]);
  });

  it("throws what the file system refuses and leaves no temporary file behind", () => {
    // a directory with a file in it cannot be replaced by a rename
    const file = path.join(dir, "entry.json");
    mkdirSync(file);
    writeFileSync(path.join(file, "inside"), "");
    expect(() => writeCacheFile(file, "data")).toThrow();
    expect(readdirSync(dir)).toEqual(["entry.json"]);
  });
});
