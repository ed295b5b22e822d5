// The plan's processes compile their modules through a V8 code cache made after the code ran: a
// module runs as Node.js runs it, the cache is written only when a module compiled without it, and
// a module whose source changed runs its new source.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { removedAfterAll, ROOT } from "./helpers";

const CODE_CACHE = path.join(ROOT, "plan", "codeCache.cjs");
const dir = removedAfterAll()(mkdtempSync(path.join(tmpdir(), "aml-code-cache-")));

const MODULE = path.join(dir, "module.js");
const moduleSource = (answer: number): string => `
"use strict";
exports.answer = () => ${answer};
exports.thisIsExports = this === exports;
exports.dirname = __dirname;
exports.resolved = require.resolve("./module.js");
exports.cached = require.cache[__filename] === module;
exports.later = () => require("./importing.js").later();
`;
/** code that may import() compiles as Node.js compiles it (code from V8's cache loses its import()) */
const IMPORTING = path.join(dir, "importing.js");
writeFileSync(IMPORTING, `exports.later = () => import("node:path").then((p) => typeof p.join);\n`);

const MAIN = `
require(${JSON.stringify(CODE_CACHE)}).enableCodeCache("test");
const m = require(${JSON.stringify(MODULE)});
m.later().then((join) => console.log(JSON.stringify({ answer: m.answer(), thisIsExports: m.thisIsExports, dirname: m.dirname, resolved: m.resolved, cached: m.cached, join })));
`;

function run(): Record<string, unknown> {
  const result = spawnSync(process.execPath, ["-e", MAIN], { cwd: ROOT, encoding: "utf8", env: { ...process.env, AML_PLAN_CACHE_DIR: dir } });
  expect(result.status, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as Record<string, unknown>;
}

const cacheFile = (): string => path.join(dir, "code-cache", readdirSync(path.join(dir, "code-cache")).find((f) => f.startsWith("test-"))!);

describe("the code cache", () => {
  it("runs a module as Node.js does, writes the cache once, and runs a changed module's new source", () => {
    writeFileSync(MODULE, moduleSource(41));
    const expected = { thisIsExports: true, dirname: dir, resolved: MODULE, cached: true, join: "function" };
    expect(run()).toEqual({ answer: 41, ...expected });
    const written = statSync(cacheFile()).mtimeMs;

    // unchanged: served from the cache, which is not written again; import() works in what it serves
    expect(run()).toEqual({ answer: 41, ...expected });
    expect(statSync(cacheFile()).mtimeMs).toBe(written);

    // changed, same length: V8 refuses the cached code, the new source runs, and the cache is renewed
    writeFileSync(MODULE, moduleSource(42));
    expect(run()).toEqual({ answer: 42, ...expected });
    expect(statSync(cacheFile()).mtimeMs).toBeGreaterThan(written);
  });
});
