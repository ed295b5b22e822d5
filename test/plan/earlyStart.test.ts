// The plan's command starts the policy pack and the program host before it loads its own modules.
// The analyzer takes the pack only when it would start the same one the same way; any other early
// pack is killed, and a pack that ended before it was taken is started again, failing as it fails.
import { cpSync, existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { PolicyAnalyzer } from "../../plan/analyzer";
import { startPlanProcessesEarly } from "../../plan/earlyStart.cjs";
import { takeEarlyProgramHost } from "../../plan/engine/programHostFork.cjs";
import { defaultPackCacheDir, spawnPackEarly, takeEarlyPack, type PackProcessOptions } from "../../plan/packProcess.cjs";
import { YOUNG_GENERATION_FLAGS } from "../../plan/youngGeneration.cjs";
import { descendantsStartedFromNow, isAnalyzer, isProgramHost, settled } from "./foreignProjects";
import { isAlive, MINIMAL_PACK, packThatCrashes, removedAfterAll, ROOT } from "./helpers";

const removeLater = removedAfterAll();
const COMPILED: PackProcessOptions = { packDir: MINIMAL_PACK, start: "compiled", cacheDir: defaultPackCacheDir() };

async function analyzerPid(options: PackProcessOptions): Promise<{ pid: number; name: string }> {
  let spawned: number | undefined;
  const analyzer = new PolicyAnalyzer({ ...options, onSpawn: (pid) => (spawned = pid) });
  try {
    await analyzer.start();
    return { pid: spawned!, name: (await analyzer.getAnalyzerInfo()).name };
  } finally {
    await analyzer.shutdown();
  }
}

afterEach(() => {
  takeEarlyPack(COMPILED)?.kill("SIGKILL");
  takeEarlyProgramHost(ROOT)?.kill("SIGKILL");
});

describe("the policy pack started early", () => {
  it("serves the analyzer of the same pack, started the same way, and only that one", async () => {
    const early = spawnPackEarly(COMPILED)?.pid;
    expect(early).toBeDefined();
    const served = await analyzerPid(COMPILED);
    expect(served).toEqual({ pid: early, name: "minimal-pack" });
    expect(takeEarlyPack(COMPILED)).toBeUndefined();
    expect(await settled(() => [early!].filter(isAlive), 5000)).toEqual([]);
  });

  it("is killed, and the analyzer starts its own, for another cache directory", async () => {
    const otherCache = removeLater(mkdtempSync(path.join(tmpdir(), "aml-pack-cache-")));
    // with the default directory's entries: what differs is the directory, not a compile
    if (existsSync(COMPILED.cacheDir)) cpSync(COMPILED.cacheDir, otherCache, { recursive: true });
    const early = spawnPackEarly(COMPILED)?.pid;
    expect(early).toBeDefined();
    const served = await analyzerPid({ ...COMPILED, cacheDir: otherCache });
    expect(served.name).toBe("minimal-pack");
    expect(served.pid).not.toBe(early);
    expect(await settled(() => [early!].filter(isAlive), 5000)).toEqual([]);
  });

  it("that ended before it was taken is started again, and its failure is the analyzer's", async () => {
    const crashing = { ...COMPILED, packDir: removeLater(packThatCrashes()) };
    const early = spawnPackEarly(crashing)!;
    await new Promise((ended) => (early.exitCode === null ? early.once("exit", ended) : ended(undefined)));
    let spawned: number | undefined;
    const analyzer = new PolicyAnalyzer({ ...crashing, onSpawn: (pid) => (spawned = pid) });
    await expect(analyzer.start()).rejects.toThrow(/failed to start \(exit code \d+\)[\s\S]*pack exploded while loading/);
    expect(spawned).toBeDefined();
    expect(spawned).not.toBe(early.pid);
  });
});

describe("startPlanProcessesEarly", () => {
  it("starts the pack and the program host the plan's arguments name", () => {
    const started = descendantsStartedFromNow();
    startPlanProcessesEarly(["--stack", "dev", "--policy-pack", MINIMAL_PACK, "--format", "json"]);
    expect(started(isAnalyzer)).toHaveLength(1);
    expect(started(isProgramHost)).toHaveLength(1);
    const pack = takeEarlyPack(COMPILED);
    const host = takeEarlyProgramHost(ROOT);
    pack?.kill("SIGKILL");
    host?.kill("SIGKILL");
    expect(pack?.pid).toBeDefined();
    expect(host?.pid).toBeDefined();
  });

  it("starts both with V8's young generation at its full size (plan/youngGeneration.cjs)", () => {
    const startedFromNow = descendantsStartedFromNow();
    startPlanProcessesEarly(["--policy-pack", MINIMAL_PACK]);
    const started = startedFromNow((child) => isAnalyzer(child) || isProgramHost(child));
    expect(started).toHaveLength(2);
    for (const child of started) expect(child.command.split(" ")).toEqual(expect.arrayContaining(YOUNG_GENERATION_FLAGS));
  });

  it.each([
    ["help", ["--help"]],
    ["an unknown option", ["--stack", "dev", "--polcy-pack", MINIMAL_PACK]],
    ["a positional argument", ["dev"]],
    ["an unknown report format", ["--format", "yaml"]],
    ["a time limit that is not a number of seconds", ["--timeout", "soon"]],
    ["an empty value", ["--cwd", " "]],
  ])("starts nothing for %s, which the command refuses", (_, argv) => {
    const started = descendantsStartedFromNow();
    startPlanProcessesEarly(argv);
    expect(started()).toEqual([]);
  });

  it("starts no pack for a directory that is not a policy pack", () => {
    const started = descendantsStartedFromNow();
    startPlanProcessesEarly(["--policy-pack", path.join(ROOT, "stacks")]);
    expect(started(isAnalyzer)).toEqual([]);
    expect(started(isProgramHost)).toHaveLength(1);
  });
});
