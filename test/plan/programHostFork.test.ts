// The plan's command starts the program's host before it loads the plan's modules; the first
// program session takes it only for the project it was started for. While it waits for its first
// run, the host loads the SDK only when it is the plan's own, never code of the project's.
import type { ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { forkProgramHost, forkProgramHostEarly, takeEarlyProgramHost } from "../../plan/engine/programHostFork.cjs";
import { isAlive, LEGACY_PROJECT, makeTempDir, removedAfterAll, ROOT } from "./helpers";
import { descendantsStartedFromNow, isProgramHost, settled, waitFor } from "./foreignProjects";

const removeLater = removedAfterAll();

describe("the program host started early", () => {
  afterEach(() => void takeEarlyProgramHost(ROOT)?.kill("SIGKILL"));

  it("is taken, running, by a session for its project, and only once", () => {
    forkProgramHostEarly(ROOT);
    const host = takeEarlyProgramHost(ROOT);
    expect(host?.pid).toBeDefined();
    expect(isAlive(host!.pid!)).toBe(true);
    expect(takeEarlyProgramHost(ROOT)).toBeUndefined();
    host!.kill("SIGKILL");
  });

  it("is ended, not taken, by a session for another project", async () => {
    const startedFromNow = descendantsStartedFromNow();
    forkProgramHostEarly(ROOT);
    const started = startedFromNow(isProgramHost);
    expect(started).toHaveLength(1);
    expect(takeEarlyProgramHost(LEGACY_PROJECT)).toBeUndefined();
    expect(await settled(() => started.filter((child) => isAlive(child.pid)), 5000)).toEqual([]);
  });
});

// What the host has loaded, written by a preload every 20 ms: the SDK's entry modules, and ticks so
// far. Written whole (a rename), so a read never sees a file cut short.
const SDK_PROBE = `
const { renameSync, writeFileSync } = require("node:fs");
let ticks = 0;
setInterval(() => {
  const sdk = Object.keys(require.cache).filter((file) => /[\\\\/]@pulumi[\\\\/]pulumi[\\\\/]index\\.js$/.test(file));
  writeFileSync(process.env.AML_TEST_SDK_PROBE + ".partial", JSON.stringify({ ticks: ++ticks, sdk }));
  renameSync(process.env.AML_TEST_SDK_PROBE + ".partial", process.env.AML_TEST_SDK_PROBE);
}, 20).unref();
`;

interface Probe {
  ticks: number;
  sdk: string[];
}

/** Forks a host for `projectDir` with the probe preloaded; returns a reader of what it reports. */
function probedHost(projectDir: string): { host: ChildProcess; probe: () => Probe | undefined; waitForProbe: (until: (probe: Probe) => boolean, what: string) => Promise<void> } {
  const dir = removeLater(mkdtempSync(path.join(tmpdir(), "aml-sdk-probe-")));
  writeFileSync(path.join(dir, "probe.cjs"), SDK_PROBE);
  const out = path.join(dir, "probe.json");
  const saved = { NODE_OPTIONS: process.env.NODE_OPTIONS, AML_TEST_SDK_PROBE: process.env.AML_TEST_SDK_PROBE };
  process.env.NODE_OPTIONS = `--require ${path.join(dir, "probe.cjs")}`;
  process.env.AML_TEST_SDK_PROBE = out;
  try {
    const host = forkProgramHost(projectDir);
    // read as the plan reads them: a pipe nobody reads stops a process that fills it
    let output = "";
    for (const stream of [host.stdout, host.stderr]) stream?.on("data", (chunk: Buffer) => (output += chunk.toString()));
    let ended: string | undefined;
    host.once("exit", (code, signal) => (ended = `exit code ${code}, signal ${signal}`));
    const probe = (): Probe | undefined => {
      try {
        return JSON.parse(readFileSync(out, "utf8")) as Probe;
      } catch {
        return undefined; // not written yet
      }
    };
    const waitForProbe = async (until: (probe: Probe) => boolean, what: string): Promise<void> => {
      try {
        await waitFor(() => {
          const seen = probe();
          return seen !== undefined && until(seen);
        }, 60_000, what);
      } catch (error) {
        throw new Error(`${(error as Error).message}; the host ${ended ? `ended (${ended})` : "runs"}, last probe ${JSON.stringify(probe())}, output:\n${output}`);
      }
    };
    return { host, probe, waitForProbe };
  } finally {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  }
}

describe("a program host waiting for its first run", () => {
  it("loads the SDK when the project's is the plan's own", async () => {
    const { host, probe, waitForProbe } = probedHost(ROOT);
    try {
      await waitForProbe((seen) => seen.sdk.length > 0, "the host to load the SDK");
      expect(probe()!.sdk).toEqual([require.resolve("@pulumi/pulumi")]);
    } finally {
      host.kill("SIGKILL");
    }
  });

  it("loads nothing of a project whose tsconfig.json maps @pulumi/pulumi to a file of its own", async () => {
    const marker = path.join(removeLater(mkdtempSync(path.join(tmpdir(), "aml-paths-sdk-marker-"))), "loaded");
    const project = removeLater(
      makeTempDir({
        "Pulumi.yaml": "name: paths-sdk\nruntime: nodejs\n",
        // tsx applies these paths to the project's imports, and would to the host's own lookups
        "tsconfig.json": JSON.stringify({ compilerOptions: { baseUrl: ".", paths: { "@pulumi/pulumi": ["./own-sdk.js"] } } }),
        "own-sdk.js": `require("node:fs").writeFileSync(${JSON.stringify(marker)}, "loaded");\n`,
      }),
    );
    const { host, waitForProbe } = probedHost(project);
    try {
      await waitForProbe((seen) => seen.ticks >= 10, "the host to wait for a run");
      expect(existsSync(marker)).toBe(false);
    } finally {
      host.kill("SIGKILL");
    }
  });

  it("loads nothing of a project that has an SDK of its own: that is program code", async () => {
    const marker = path.join(removeLater(mkdtempSync(path.join(tmpdir(), "aml-own-sdk-marker-"))), "loaded");
    // not makeTempDir: its node_modules is the repository's, whose SDK this would overwrite
    const project = removeLater(mkdtempSync(path.join(tmpdir(), "aml-own-sdk-")));
    const sdkDir = path.join(project, "node_modules", "@pulumi", "pulumi");
    mkdirSync(sdkDir, { recursive: true });
    writeFileSync(path.join(project, "Pulumi.yaml"), "name: own-sdk\nruntime: nodejs\n");
    writeFileSync(path.join(sdkDir, "package.json"), JSON.stringify({ name: "@pulumi/pulumi", version: "3.0.0", main: "index.js" }));
    writeFileSync(path.join(sdkDir, "index.js"), `require("node:fs").writeFileSync(${JSON.stringify(marker)}, "loaded");\n`);
    const { host, probe, waitForProbe } = probedHost(project);
    try {
      await waitForProbe((seen) => seen.ticks >= 10, "the host to wait for a run");
      expect(probe()!.sdk).toEqual([]);
      expect(existsSync(marker)).toBe(false);
    } finally {
      host.kill("SIGKILL");
    }
  });
});
