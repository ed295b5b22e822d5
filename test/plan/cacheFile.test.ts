import { createRequire } from "node:module";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { markUsed, writeCacheFile } from "../../plan/cacheFile.cjs";

// the module the cache writes through (plan/*.cjs load natively, with Node.js's own fs)
const fs = createRequire(__filename)("node:fs") as typeof import("node:fs");

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), "aml-cache-file-"));
});
afterEach(() => {
  vi.restoreAllMocks();
  rmSync(dir, { recursive: true, force: true });
});

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
  it("keeps the entries most recently written or used, the new one among them, and removes the others", () => {
    for (const [index, name] of ["a.json", "b.json", "c.json", "d.json"].entries()) writtenAgo(name, (5 - index) * HOUR_S);
    markUsed(path.join(dir, "a.json"));
    writeCacheFile(path.join(dir, "new.json"), "new", { keep: 3 });
    expect(readdirSync(dir).sort()).toEqual(["a.json", "d.json", "new.json"]);
  });

  it("never removes an entry of the last minutes, which a concurrent plan may be about to read", () => {
    for (const name of ["a.json", "b.json"]) writtenAgo(name, 60);
    writtenAgo("old.json", HOUR_S);
    writeCacheFile(path.join(dir, "new.json"), "new", { keep: 1 });
    expect(readdirSync(dir).sort()).toEqual(["a.json", "b.json", "new.json"]);
  });

  it("marks a use at most once an hour", () => {
    writtenAgo("recent.json", 30 * 60);
    writtenAgo("old.json", 2 * HOUR_S);
    const mtime = (name: string) => statSync(path.join(dir, name)).mtimeMs;
    const before = { recent: mtime("recent.json"), old: mtime("old.json") };
    markUsed(path.join(dir, "recent.json"));
    markUsed(path.join(dir, "old.json"));
    expect(mtime("recent.json")).toBe(before.recent);
    expect(mtime("old.json")).toBeGreaterThan(before.old + HOUR_S * 1000);
    markUsed(path.join(dir, "absent.json")); // gone meanwhile: nothing to mark, nothing thrown
  });

  it("removes the temporary files of writers that died an hour ago, not those of writers still writing", () => {
    writtenAgo("old.json.4242-0a1b2c3d.tmp", 2 * HOUR_S);
    writtenAgo("young.json.4243-0a1b2c3d.tmp", 10);
    writeCacheFile(path.join(dir, "new.json"), "new", { keep: 1 });
    expect(readdirSync(dir).sort()).toEqual(["new.json", "young.json.4243-0a1b2c3d.tmp"]);
  });

  it("removes only files it could have written: not directories or symbolic links beside the entries, nothing in a directory that is a link", () => {
    const elsewhere = mkdtempSync(path.join(tmpdir(), "aml-cache-elsewhere-"));
    try {
      writeFileSync(path.join(elsewhere, "precious.json"), "precious");
      utimesSync(path.join(elsewhere, "precious.json"), nowS() - 2 * HOUR_S, nowS() - 2 * HOUR_S);
      mkdirSync(path.join(dir, "nested"));
      symlinkSync(path.join(elsewhere, "precious.json"), path.join(dir, "link.json"));
      writtenAgo("old.json", 2 * HOUR_S);
      writeCacheFile(path.join(dir, "new.json"), "new", { keep: 1 });
      expect(readdirSync(dir).sort()).toEqual(["link.json", "nested", "new.json"]);

      const linked = path.join(dir, "linked-kind");
      symlinkSync(elsewhere, linked);
      writeCacheFile(path.join(linked, "new.json"), "new", { keep: 1 });
      expect(readdirSync(elsewhere).sort()).toEqual(["new.json", "precious.json"]);
    } finally {
      rmSync(elsewhere, { recursive: true, force: true });
    }
  });

  it("never throws once the entry is written: what cannot be removed now is left, the rest is removed", () => {
    writtenAgo("stuck.json.4242-0a1b2c3d.tmp", 2 * HOUR_S);
    for (const name of ["older.json", "old.json"]) writtenAgo(name, name === "older.json" ? 3 * HOUR_S : 2 * HOUR_S);
    const remove = fs.rmSync;
    vi.spyOn(fs, "rmSync").mockImplementation((file, options) => {
      if (String(file).endsWith(".tmp")) throw Object.assign(new Error("operation not permitted"), { code: "EPERM" });
      remove(file, options);
    });
    writeCacheFile(path.join(dir, "new.json"), "new", { keep: 2 });
    expect(readdirSync(dir).sort()).toEqual(["new.json", "old.json", "stuck.json.4242-0a1b2c3d.tmp"]);
  });
});
