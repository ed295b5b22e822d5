import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { writeCacheFile } from "../../plan/cacheFile.cjs";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), "aml-cache-file-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const HOUR_S = 60 * 60;
const nowS = () => Date.now() / 1000;

/** Writes `name` in `dir` as an entry written `ageS` seconds ago. */
function writtenAgo(name: string, ageS: number): void {
  writeFileSync(path.join(dir, name), name);
  utimesSync(path.join(dir, name), nowS() - ageS, nowS() - ageS);
}

describe("writing a cache entry", () => {
  it("creates the entry's directory, replaces the entry whole, and leaves nothing else beside it", () => {
    const file = path.join(dir, "kind", "entry.json");
    writeCacheFile(file, "first", { keep: 4 });
    writeCacheFile(file, "second", { keep: 4 });
    expect(readFileSync(file, "utf8")).toBe("second");
    expect(readdirSync(path.dirname(file))).toEqual(["entry.json"]);
  });

  it("throws what the file system refuses and leaves no temporary file behind", () => {
    // a directory with a file in it cannot be replaced by a rename
    const file = path.join(dir, "entry.json");
    mkdirSync(file);
    writeFileSync(path.join(file, "inside"), "");
    expect(() => writeCacheFile(file, "data", { keep: 4 })).toThrow();
    expect(readdirSync(dir)).toEqual(["entry.json"]);
  });
});

describe("the bound on a cache directory", () => {
  it("keeps the entries most recently written, the new one among them, and removes the others", () => {
    for (const [index, name] of ["a.json", "b.json", "c.json", "d.json"].entries()) writtenAgo(name, 100 - index * 10);
    writeCacheFile(path.join(dir, "new.json"), "new", { keep: 3 });
    expect(readdirSync(dir).sort()).toEqual(["c.json", "d.json", "new.json"]);
  });

  it("keeps the entry it writes even when every other entry is newer", () => {
    for (const name of ["a.json", "b.json"]) writtenAgo(name, -60); // clocks of other machines sharing the cache
    writeCacheFile(path.join(dir, "new.json"), "new", { keep: 1 });
    expect(readdirSync(dir)).toEqual(["new.json"]);
  });

  it("removes the temporary files of writers that died an hour ago, not those of writers still writing", () => {
    writtenAgo("old.json.4242-0a1b2c3d.tmp", 2 * HOUR_S);
    writtenAgo("young.json.4243-0a1b2c3d.tmp", 10);
    writeCacheFile(path.join(dir, "new.json"), "new", { keep: 1 });
    expect(readdirSync(dir).sort()).toEqual(["new.json", "young.json.4243-0a1b2c3d.tmp"]);
  });

  it("leaves directories beside the entries alone", () => {
    mkdirSync(path.join(dir, "nested"));
    writtenAgo("old.json", 100);
    writeCacheFile(path.join(dir, "new.json"), "new", { keep: 1 });
    expect(readdirSync(dir).sort()).toEqual(["nested", "new.json"]);
  });
});
