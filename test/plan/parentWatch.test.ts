import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { PARENT_WATCH } from "../../plan/engine/watchedChildren.cjs";
import { waitFor } from "./foreignProjects";
import { isAlive } from "./helpers";

// Every process the plan starts preloads the parent watch, whose thread ends the process once the plan
// is gone, whatever its main thread does. A team's own NODE_OPTIONS preload (an APM agent) still runs
// once per process.

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), "aml-parent-watch-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe("the parent watch of a process the plan starts", () => {
  it("ends a busy process once the plan is gone, from a thread that runs no NODE_OPTIONS preload", async () => {
    const preload = path.join(dir, "preload.cjs");
    const threads = path.join(dir, "threads.txt");
    writeFileSync(preload, `require("node:fs").appendFileSync(${JSON.stringify(threads)}, require("node:worker_threads").isMainThread ? "main\\n" : "worker\\n");\n`);
    // A stand-in for the plan: it starts the process as the plan does (its stdin a pipe it holds,
    // AML_PLAN_PID its own pid), prints the pid, and exits soon after.
    const plan = `
      const { spawn } = require("node:child_process");
      const child = spawn(process.execPath, ["--require", ${JSON.stringify(PARENT_WATCH)}, "-e", "for (const end = Date.now() + 30000; Date.now() < end; );"], {
        env: { PATH: process.env.PATH, NODE_OPTIONS: ${JSON.stringify(`--require ${preload}`)}, AML_PLAN_PID: String(process.pid) },
        stdio: ["pipe", "ignore", "inherit"],
      });
      console.log(child.pid);
      setTimeout(() => process.exit(0), 1000);
    `;
    const planProcess = spawn(process.execPath, ["-e", plan], { stdio: ["ignore", "pipe", "inherit"] });
    let printed = "";
    planProcess.stdout.on("data", (chunk: Buffer) => (printed += chunk.toString()));
    await once(planProcess, "exit");
    const pid = Number(printed.trim());
    expect(pid).toBeGreaterThan(0);
    // its main thread never returns to its event loop: only the watch's thread can end it
    await waitFor(() => !isAlive(pid), 10_000, "the busy process to end");
    expect(readFileSync(threads, "utf8").trim().split("\n")).toEqual(["main"]);
  });
});
