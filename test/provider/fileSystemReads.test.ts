import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import type * as typescript from "typescript";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { readsStillHold, recordReads, type FileSystemRead } from "../../provider/fileSystemReads";

// The TypeScript whose `sys` the SDK's analyzer reads through.
const ts = require("@pulumi/pulumi/typescript-shim") as typeof typescript;

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), "aml-reads-"));
  mkdirSync(path.join(dir, "src"));
  writeFileSync(path.join(dir, "src", "index.ts"), "export const a = 1;\n");
  writeFileSync(path.join(dir, "src", "resource.js"), "exports.type = 'pkg:index:Resource';\n");
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/**
 * Reads as a compilation makes them (a file's text, a module probe that misses, one that hits, a
 * listing), kept as a cache entry keeps them: as JSON.
 */
function compilationReads() {
  const { result, reads } = recordReads(ts.sys, () => ({
    text: ts.sys.readFile(path.join(dir, "src", "index.ts")),
    missing: ts.sys.fileExists(path.join(dir, "src", "index.tsx")),
    found: ts.sys.fileExists(path.join(dir, "src", "resource.js")),
    // as a tsconfig.json without "exclude" lists its files: an argument left out
    listing: ts.sys.readDirectory(path.join(dir, "src"), [".ts"], undefined, ["*"]),
  }));
  return { result, reads: JSON.parse(JSON.stringify(reads)) as FileSystemRead[] };
}

describe("the file-system reads of a derivation", () => {
  it("returns what the work returns, and holds while nothing it read changed", () => {
    const { result, reads } = compilationReads();
    expect(result).toEqual({ text: "export const a = 1;\n", missing: false, found: true, listing: [path.join(dir, "src", "index.ts")] });
    expect(readsStillHold(ts.sys, reads)).toBe(true);
  });

  const source = (name: string) => path.join(dir, "src", name);
  it.each([
    ["a file read has other content", () => writeFileSync(source("index.ts"), "export const a = 2;\n")],
    ["a file read is gone", () => rmSync(source("index.ts"))],
    ["a file probed and missing exists", () => writeFileSync(source("index.tsx"), "export const b = 1;\n")],
    ["a directory listed has another file", () => writeFileSync(source("extra.ts"), "export {};\n")],
    // the SDK loads a resource's JavaScript with require, to read its type token
    ["a file found but never read through sys has other content", () => writeFileSync(source("resource.js"), "exports.type = 'pkg:index:Other';\n")],
  ])("no longer hold once %s", (_, change) => {
    const { reads } = compilationReads();
    change();
    expect(readsStillHold(ts.sys, reads)).toBe(false);
  });

  it("leaves ts.sys as it was, also when the work throws", () => {
    const before = { readFile: ts.sys.readFile, fileExists: ts.sys.fileExists, readDirectory: ts.sys.readDirectory };
    expect(() =>
      recordReads(ts.sys, () => {
        throw new Error("the derivation failed");
      }),
    ).toThrow("the derivation failed");
    expect({ readFile: ts.sys.readFile, fileExists: ts.sys.fileExists, readDirectory: ts.sys.readDirectory }).toEqual(before);
  });
});
