import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { PARENT_WATCH, watchingThisProcess } from "../../plan/engine/watchedChildren.cjs";

// Every process the plan starts preloads the parent watch, whose thread ends the process once the plan
// is gone. A team's own NODE_OPTIONS preload (an APM agent) still runs once per process.

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), "aml-parent-watch-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe("the parent watch of a process the plan starts", () => {
  it("runs a NODE_OPTIONS preload in the process's main thread only, not in the watch's thread", async () => {
    const preload = path.join(dir, "preload.cjs");
    const threads = path.join(dir, "threads.txt");
    writeFileSync(preload, `require("node:fs").appendFileSync(${JSON.stringify(threads)}, require("node:worker_threads").isMainThread ? "main\\n" : "worker\\n");\n`);
    // long enough for the watch's thread to start and poll; stdin stays open, as the plan keeps it
    const child = spawn(process.execPath, ["--require", PARENT_WATCH, "-e", "setTimeout(() => {}, 600)"], {
      env: watchingThisProcess({ PATH: process.env.PATH, NODE_OPTIONS: `--require ${preload}` }),
      stdio: ["pipe", "ignore", "inherit"],
    });
    const [code] = (await once(child, "exit")) as [number | null];
    child.stdin.destroy();
    expect(code).toBe(0);
    expect(readFileSync(threads, "utf8").trim().split("\n")).toEqual(["main"]);
  });
});
