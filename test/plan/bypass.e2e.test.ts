// Programs that try to get around the plan (end it early, hang it, forge its output or its control
// channel, kill it) and signals that end the plan itself: never exit 0, never a corrupt report, and
// no program host or policy analyzer left behind.
import { cpSync, existsSync, readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { makeTempDir, MINIMAL_PACK, PACK_SCAFFOLD, processesRunningIn, removedAfterAll, ROOT, runCli } from "./helpers";
import {
  BUSY_LOOP,
  CLEAN_STACK,
  FOREIGN_PROJECT,
  FOREIGN_STACK,
  HANGING_RESOURCE,
  SLOW_RESOURCE,
  TOKEN_ENDPOINT_WITH_KEYS,
  TOKEN_ENDPOINT_WITH_KEYS_STATEMENTS,
  endpointWithKeysStatements,
  foreignProject,
  foreignProjectFiles,
  isAnalyzer,
  isProgramHost,
  program,
  settled,
  startCli,
  survivors,
  waitFor,
  watchDescendants,
} from "./foreignProjects";

const removeLater = removedAfterAll();
const PLAN_TIMEOUT_MS = 180_000;

interface BypassAttempt {
  name: string;
  program: string;
  /** extra CLI arguments */
  args?: string[];
  /** exit code of the plan, or the signal that ended it */
  exit: number | NodeJS.Signals;
  /** what the plan's error says happened (exit 2) */
  message?: RegExp;
  /** further checks of the plan's stdout */
  stdout?: (stdout: string) => void;
}

// The SDK turns exit code 0 into 1 when promises are still pending (@pulumi/pulumi runtime/debuggable.js).
const ENDED_EARLY = /the program's process ended \(exit code [01]\) before the program finished: a program must not call process\.exit/;

/** The endpoint a program registers late, found in both phases: each run waited for it. */
const LATE_VIOLATION = /\[mandatory\] ml-endpoint-auth-exclusive .*\[preview and deploy\]/;

const ATTEMPTS: BypassAttempt[] = [
  {
    name: "setTimeout(() => process.exit(0), 50) while registrations are pending, in a violating program",
    program: program(TOKEN_ENDPOINT_WITH_KEYS, SLOW_RESOURCE, `setTimeout(() => process.exit(0), 50);`),
    exit: 2,
    message: ENDED_EARLY,
  },
  {
    name: "process.exit(0) at import, in a violating program",
    program: program(TOKEN_ENDPOINT_WITH_KEYS, `process.exit(0);`),
    exit: 2,
    message: ENDED_EARLY,
  },
  {
    name: "a non-zero process.exitCode in a violating program, which the CLI's host never signals as done",
    program: program(TOKEN_ENDPOINT_WITH_KEYS, `process.exitCode = 3;`),
    exit: 2,
    message: /the program's process ended \(exit code 3\) before the program finished: a program must not call process\.exit, set a non-zero process\.exitCode/,
  },
  {
    name: "an uncaught throw in a later tick",
    program: program(CLEAN_STACK, SLOW_RESOURCE, `setTimeout(() => { throw new Error("late failure on purpose"); }, 50);`),
    exit: 2,
    message: /failed for stack 'ci' \((preview|deploy) phase\):\n\s+late failure on purpose/,
  },
  {
    name: "an unhandled rejection",
    program: program(CLEAN_STACK, SLOW_RESOURCE, `void Promise.reject(new Error("rejected on purpose"));`),
    exit: 2,
    message: /rejected on purpose/,
  },
  {
    name: "an output that never resolves (--timeout 3)",
    program: program(CLEAN_STACK, HANGING_RESOURCE),
    args: ["--timeout", "3"],
    exit: 2,
    message: /the program did not finish within 3 s \(--timeout\)/,
  },
  {
    name: "a synchronous endless loop (--timeout 3)",
    program: program(CLEAN_STACK, BUSY_LOOP),
    args: ["--timeout", "3"],
    exit: 2,
    message: /the program did not finish within 3 s \(--timeout\)/,
  },
  {
    name: "a forged completion on the IPC channel, then the program goes on",
    program: program(CLEAN_STACK, `process.send?.({ kind: "done", pulumiPath: "" });`),
    exit: 2,
    message: /the program sent a message on the plan's control channel/,
  },
  {
    name: "a forged completion on the IPC channel, then process.exit(0) once it is sent",
    program: program(CLEAN_STACK, SLOW_RESOURCE, `process.send?.({ kind: "done", pulumiPath: "" }, undefined, undefined, () => process.exit(0));`),
    exit: 2,
    message: /the program sent a message on the plan's control channel/,
  },
  {
    name: "the program kills its own process with SIGKILL",
    program: program(CLEAN_STACK, SLOW_RESOURCE, `setTimeout(() => process.kill(process.pid, "SIGKILL"), 50);`),
    exit: 2,
    message: /the program's process ended \(signal SIGKILL\) before the program finished/,
  },
  {
    name: "the program kills the plan with SIGKILL",
    program: program(TOKEN_ENDPOINT_WITH_KEYS, SLOW_RESOURCE, `setTimeout(() => process.kill(process.ppid, "SIGKILL"), 50);`),
    exit: "SIGKILL",
  },
  {
    name: "a violating endpoint registered from a timer, after the program's module returned",
    program: program(CLEAN_STACK, `setTimeout(() => {${TOKEN_ENDPOINT_WITH_KEYS_STATEMENTS}}, 500);`),
    exit: 1,
    stdout: (stdout) => expect(stdout).toMatch(LATE_VIOLATION),
  },
  {
    name: "a violating endpoint registered from a beforeExit listener, as the CLI's host runs them",
    program: program(CLEAN_STACK, `let registered = false;\nprocess.on("beforeExit", () => {\n  if (registered) return;\n  registered = true;${TOKEN_ENDPOINT_WITH_KEYS_STATEMENTS}});`),
    exit: 1,
    stdout: (stdout) => expect(stdout).toMatch(LATE_VIOLATION),
  },
  {
    name: "a violating endpoint registered on the second beforeExit, the first having set a non-zero exit code",
    program: program(
      CLEAN_STACK,
      `let calls = 0;\nprocess.on("beforeExit", () => {\n  calls++;\n  if (calls === 1) { process.exitCode = 1; return; }\n  if (calls !== 2) return;\n  process.exitCode = 0;${TOKEN_ENDPOINT_WITH_KEYS_STATEMENTS}});`,
    ),
    exit: 1,
    stdout: (stdout) => expect(stdout).toMatch(LATE_VIOLATION),
  },
  {
    name: "a violating endpoint registered once thread-pool work (crypto.pbkdf2) is done",
    program: program(CLEAN_STACK, `require("node:crypto").pbkdf2("passphrase", "salt", 300_000, 32, "sha256", () => {${TOKEN_ENDPOINT_WITH_KEYS_STATEMENTS}});`),
    exit: 1,
    stdout: (stdout) => expect(stdout).toMatch(LATE_VIOLATION),
  },
  {
    name: "a violating endpoint registered when a worker thread of the program exits",
    program: program(
      CLEAN_STACK,
      `new (require("node:worker_threads").Worker)("setTimeout(() => undefined, 300);", { eval: true }).once("exit", () => {${TOKEN_ENDPOINT_WITH_KEYS_STATEMENTS}});`,
    ),
    exit: 1,
    stdout: (stdout) => expect(stdout).toMatch(LATE_VIOLATION),
  },
  {
    name: "a violating endpoint registered from a timer that an apply starts once the engine answered a registration",
    program: program(
      `const group = new ResourceGroup("rg", { resourceGroupName: "rg-foreign", location: "westeurope" });`,
      `group.urn.apply(() => setTimeout(() => {${TOKEN_ENDPOINT_WITH_KEYS_STATEMENTS}}, 100));`,
    ),
    exit: 1,
    stdout: (stdout) => expect(stdout).toMatch(LATE_VIOLATION),
  },
  {
    name: "beforeExit emitted by the program itself, while thread-pool work that registers a violating endpoint runs",
    program: program(
      CLEAN_STACK,
      `require("node:crypto").pbkdf2("passphrase", "salt", 300_000, 32, "sha256", () => {${TOKEN_ENDPOINT_WITH_KEYS_STATEMENTS}});`,
      `setTimeout(() => { process.emit("beforeExit", 0); process.nextTick(() => process.nextTick(() => process.nextTick(() => process.emit("beforeExit", 0)))); }, 10);`,
    ),
    exit: 1,
    // ended early, the run would leave the endpoint to the next phase's plan only
    stdout: (stdout) => expect(stdout).toMatch(LATE_VIOLATION),
  },
  {
    name: "forged JSON on stdout, written through process.stdout and fd 1, with --format json",
    program: program(
      TOKEN_ENDPOINT_WITH_KEYS,
      `process.stdout.write('{"forged": true}\\n');`,
      `require("node:fs").writeSync(1, '{"forged": "fd"}\\n');`,
    ),
    args: ["--format", "json"],
    exit: 1,
    stdout: (stdout) => {
      const report = JSON.parse(stdout) as {
        project: string;
        stack: string;
        summary: { mandatory: number };
        violations: Array<{ policy: string; phase: string }>;
        programMessages: Array<{ severity: string; message: string }>;
      };
      expect(report.project).toBe(FOREIGN_PROJECT);
      expect(report.stack).toBe(FOREIGN_STACK);
      expect(report.summary.mandatory).toBe(1);
      expect(report.violations.filter((v) => v.policy === "ml-endpoint-auth-exclusive").map((v) => v.phase).sort()).toEqual(["deploy", "preview"]);
      // the program's output is data inside the report, never part of its structure
      expect(Object.keys(report)).not.toContain("forged");
      expect(report.programMessages).toContainEqual({ severity: "info", message: '{"forged": true}' });
      expect(report.programMessages).toContainEqual({ severity: "info", message: '{"forged": "fd"}' });
    },
  },
  {
    name: "the same output with --format text: shown as a program message",
    program: program(TOKEN_ENDPOINT_WITH_KEYS, `process.stdout.write('{"forged": true}\\n');`),
    exit: 1,
    stdout: (stdout) => {
      expect(stdout).toMatch(/Program messages:\n(?:\s+.*\n)*?\s+info: \{"forged": true\}\n/);
      expect(stdout).toMatch(/1 mandatory/);
    },
  },
];

describe.concurrent("bypass attempts by the program", () => {
  for (const attempt of ATTEMPTS) {
    it(
      attempt.name,
      async () => {
        const projectDir = removeLater(foreignProject(attempt.program));
        const { child, result } = startCli(["plan", "--cwd", projectDir, "--stack", FOREIGN_STACK, ...(attempt.args ?? [])]);
        const watch = watchDescendants(child.pid!);
        const { code, signal, stdout, stderr } = await result;
        const children = watch.stop();

        expect(typeof attempt.exit === "number" ? code : signal, stderr).toBe(attempt.exit);
        if (attempt.message) expect(stderr).toMatch(attempt.message);
        if (attempt.exit === 2) expect(stdout).toBe("");
        expect(stderr, "no stack trace").not.toMatch(/^\s+at\s/m);
        attempt.stdout?.(stdout);

        // The check below could not fail if the plan's processes were never seen.
        expect(children.some(isProgramHost), JSON.stringify(children)).toBe(true);
        expect(children.some(isAnalyzer), JSON.stringify(children)).toBe(true);
        expect(await survivors(children)).toEqual([]);
        expect(await settled(() => processesRunningIn(projectDir))).toEqual([]);
      },
      PLAN_TIMEOUT_MS,
    );
  }
});

describe.concurrent("the plan ended by a signal while its program hangs", () => {
  // Sent as soon as the processes exist (they may still be loading modules, which blocks their event
  // loop), or once the program loops, when its event loop never turns again.
  const SIGNALS: Array<{ signal: NodeJS.Signals; exit: number | NodeJS.Signals; hang: string }> = [
    { signal: "SIGKILL", exit: "SIGKILL", hang: HANGING_RESOURCE },
    { signal: "SIGKILL", exit: "SIGKILL", hang: BUSY_LOOP },
    { signal: "SIGHUP", exit: 129, hang: HANGING_RESOURCE },
    { signal: "SIGQUIT", exit: 131, hang: HANGING_RESOURCE },
  ];
  for (const { signal, exit, hang } of SIGNALS) {
    it(
      `${signal}, program ${hang === BUSY_LOOP ? "in an endless loop" : "awaiting an output that never resolves"}: the program host and the analyzer end with the plan`,
      async () => {
        const projectDir = removeLater(foreignProject(program(CLEAN_STACK, hang)));
        const { child, result } = startCli(["plan", "--cwd", projectDir, "--stack", FOREIGN_STACK, "--timeout", "60"]);
        const watch = watchDescendants(child.pid!);
        // the program host (its preview hangs, so the deployment never starts) and the analyzer are
        // running; a looping program is in its loop
        await waitFor(
          () =>
            [...watch.seen.values()].some(isProgramHost) &&
            [...watch.seen.values()].some(isAnalyzer) &&
            (hang !== BUSY_LOOP || readdirSync(projectDir).some((file) => file.startsWith("looping-"))),
          120_000,
          "the program host and the analyzer",
        );
        child.kill(signal);
        const { code, signal: endedBy } = await result;
        const children = watch.stop();

        expect(typeof exit === "number" ? code : endedBy).toBe(exit);
        expect(await survivors(children, 5000)).toEqual([]);
        expect(await settled(() => processesRunningIn(projectDir))).toEqual([]);
      },
      PLAN_TIMEOUT_MS,
    );
  }
});

/** A pack whose one policy refuses every resource group (mandatory). */
function gatePack(): string {
  return removeLater(
    makeTempDir({
      ...PACK_SCAFFOLD,
      "index.ts": [
        `import { PolicyPack } from "@pulumi/policy";`,
        `new PolicyPack("gate-pack", {`,
        `  policies: [{`,
        `    name: "no-resource-groups",`,
        `    description: "Resource groups are refused here.",`,
        `    enforcementLevel: "mandatory",`,
        `    validateResource: (args, reportViolation) => {`,
        `      if (args.type === "azure-native:resources:ResourceGroup") reportViolation("resource groups are refused here");`,
        `    },`,
        `  }],`,
        `});`,
        ``,
      ].join("\n"),
    }),
  );
}

/** Plans `projectDir` and expects the endpoint's violation among the results: exit 1, the merge blocked. */
async function expectViolationPlanned(projectDir: string): Promise<void> {
  const result = await runCli(["plan", "--cwd", projectDir, "--stack", FOREIGN_STACK]);
  expect(result.code, result.stderr).toBe(1);
  expect(result.stdout).toMatch(/\[mandatory\] ml-endpoint-auth-exclusive/);
}

/** The violating endpoint with its auth mode from the program's variable `authMode`. */
const ENDPOINT_OF_AUTH_MODE = endpointWithKeysStatements("authMode");

describe.concurrent("an entry point other than index.ts, without main in Pulumi.yaml", () => {
  // The CLI's Node.js host runs what the nearest package manifest names (@pulumi/pulumi cmd/run/run.js).
  const violating = program(TOKEN_ENDPOINT_WITH_KEYS);
  it.each([
    ["package.json exports, beside a clean index.ts", "", { "package.json": JSON.stringify({ exports: "./deploy.ts" }) }],
    ["the main of a monorepo's package.json, above the project", "infra/", { "package.json": JSON.stringify({ main: "infra/deploy.ts" }) }],
  ])("is the program planned: %s", async (_, projectPath, manifest) => {
    const files: Record<string, string> = { ...manifest };
    for (const [name, content] of Object.entries({ ...foreignProjectFiles(program(CLEAN_STACK)), "deploy.ts": violating })) files[projectPath + name] = content;
    const root = removeLater(makeTempDir(files, "aml-foreign-"));
    await expectViolationPlanned(path.join(root, projectPath));
  }, PLAN_TIMEOUT_MS);
});

describe("a tsconfig.json whose paths map a package to a file of the project", () => {
  // Under the CLI's host, ts-node compiles and Node.js resolves: `paths` never applies at run time.
  it("does not change what the program loads: the package, as under the CLI", async () => {
    const files = {
      ...foreignProjectFiles(program(`const authMode = typeof require("yaml").stringify === "function" ? "AMLToken" : "Key";`, ENDPOINT_OF_AUTH_MODE)),
      "tsconfig.json": JSON.stringify({ compilerOptions: { baseUrl: ".", paths: { yaml: ["./plan-time-yaml.ts"] } } }),
      "plan-time-yaml.ts": "export const parse = JSON.parse;\n",
    };
    await expectViolationPlanned(removeLater(makeTempDir(files, "aml-foreign-")));
  }, PLAN_TIMEOUT_MS);
});

describe("the program's TypeScript, compiled as under the CLI's host", () => {
  // ts-node under run.js's target ES2020 (no tsconfig.json here): a redeclared field keeps the base's value
  it("class fields give the program the values pulumi up gives it", async () => {
    const fields = `class Defaults { authMode: string = "AMLToken"; }\nclass Redeclared extends Defaults { authMode!: string; }\nconst authMode = new Redeclared().authMode ?? "Key";`;
    await expectViolationPlanned(removeLater(foreignProject(program(fields, ENDPOINT_OF_AUTH_MODE))));
  }, PLAN_TIMEOUT_MS);
  // ts-node registers .ts and .tsx only: Node.js loads a .cts file as JavaScript, and its types fail it
  it("a .cts file is not compiled, so the program falls back as under pulumi up", async () => {
    const settings = `let authMode = "AMLToken";\ntry { authMode = (require("./settings.cts") as { authMode: string }).authMode; } catch (error) { if ((error as Error).name !== "SyntaxError") throw error; /* not JavaScript: the default */ }`;
    const files = { ...foreignProjectFiles(program(settings, ENDPOINT_OF_AUTH_MODE)), "settings.cts": `const authMode: string = "Key";\nexport = { authMode };\n` };
    await expectViolationPlanned(removeLater(makeTempDir(files, "aml-foreign-")));
  }, PLAN_TIMEOUT_MS);
});

describe("a program that rewrites the policy pack while the plan runs", () => {
  it("cannot change the verdict: the pack runs the policies it was started with", async () => {
    const pack = gatePack();
    const emptied = `import { PolicyPack } from "@pulumi/policy";\nnew PolicyPack("gate-pack", { policies: [] });\n`;
    const projectDir = removeLater(
      foreignProject(
        program(`require("node:fs").writeFileSync(${JSON.stringify(path.join(pack, "index.ts"))}, ${JSON.stringify(emptied)});`, CLEAN_STACK),
      ),
    );
    // a cache of its own: the pack compiles from its files, which the program rewrites
    const cacheDir = removeLater(makeTempDir({}, "aml-plan-cache-"));
    const result = await runCli(["plan", "--cwd", projectDir, "--stack", FOREIGN_STACK, "--policy-pack", pack], { env: { AML_PLAN_CACHE_DIR: cacheDir } });
    expect(readFileSync(path.join(pack, "index.ts"), "utf8")).toBe(emptied);
    expect(result.code, result.stderr).toBe(1);
    expect(result.stdout).toContain("[mandatory] no-resource-groups");
  }, PLAN_TIMEOUT_MS);
});

describe("a tsconfig.json in the working directory of the plan", () => {
  it("does not remap the plan's own imports: the plan compiles with its package's tsconfig.json", async () => {
    const marker = path.join(removeLater(makeTempDir({}, "aml-cwd-marker-")), "remapped");
    const cwd = removeLater(
      makeTempDir({
        "tsconfig.json": JSON.stringify({ compilerOptions: { baseUrl: ".", paths: { yaml: ["./remapped-yaml.js"] } } }),
        "remapped-yaml.js": `require("node:fs").writeFileSync(${JSON.stringify(marker)}, "remapped");\nmodule.exports = require(${JSON.stringify(require.resolve("yaml"))});\n`,
      }),
    );
    // any project will do: the plan imports yaml to read it
    const project = removeLater(foreignProject(program(CLEAN_STACK)));
    const result = await runCli(["plan", "--cwd", project, "--stack", FOREIGN_STACK, "--policy-pack", MINIMAL_PACK, "--format", "json"], { cwd });
    expect(result.code, result.stderr).toBe(0);
    expect(existsSync(marker)).toBe(false);
  }, PLAN_TIMEOUT_MS);
});

describe("a program that rewrites the plan's own modules while the plan runs", () => {
  it("finds them all loaded: the plan's process loads no module once its first run request is sent", async () => {
    const late = path.join(removeLater(makeTempDir({}, "aml-late-modules-")), "late.json");
    const preload = path.join(ROOT, "test", "harness", "modulesLoadedLate.cjs");
    const env = { NODE_OPTIONS: `--require ${preload}`, AML_TEST_LATE_MODULES: late };
    const base = path.join(removeLater(makeTempDir({}, "aml-base-")), "base.json");
    // the dev stack's pack validates its config with a schema (zod), and --compare reads a base plan
    const modules = (): { loaded: string[]; late: string[] } => JSON.parse(readFileSync(late, "utf8")) as { loaded: string[]; late: string[] };
    const baseRun = await runCli(["plan", "--format", "json", "--out", base], { env });
    expect(baseRun.code, baseRun.stderr).toBe(0);
    expect(modules().late).toEqual([]);
    // its TypeScript ran from its bundle (commandBundle.cjs), loaded as one file: no source, no tsx
    expect(modules().loaded.filter((file) => file.endsWith(".ts") || file.includes(`${path.sep}tsx${path.sep}`))).toEqual([]);
    const compared = await runCli(["plan", "--compare", base], { env });
    expect(compared.code, compared.stderr).toBe(0);
    expect(modules().late).toEqual([]);
  }, PLAN_TIMEOUT_MS);

  it("cannot change what --compare does: the plan loads them before any program code runs", async () => {
    // a copy of the plan (its node_modules linked) the program can write, as it could write an installed one
    const plan = removeLater(makeTempDir({}, "aml-plan-copy-"));
    for (const entry of ["bin", "plan", "package.json", "tsconfig.json"]) cpSync(path.join(ROOT, entry), path.join(plan, entry), { recursive: true });
    const comparisonReport = path.join(plan, "plan", "compare", "comparisonReport.ts");
    const forged = `process.stdout.write("forged\\n");\nprocess.exit(0);\n`;
    const pack = gatePack();
    const options = { bin: path.join(plan, "bin", "aml-webservices.js"), env: { AML_PLAN_CACHE_DIR: removeLater(makeTempDir({}, "aml-plan-cache-")) } };
    const base = path.join(removeLater(makeTempDir({}, "aml-base-")), "base.json");
    const baseProject = removeLater(foreignProject(program(CLEAN_STACK)));
    const baseRun = await runCli(["plan", "--cwd", baseProject, "--stack", FOREIGN_STACK, "--policy-pack", pack, "--format", "json", "--out", base], options);
    expect(baseRun.code, baseRun.stderr).toBe(1);

    const projectDir = removeLater(
      foreignProject(program(`require("node:fs").writeFileSync(${JSON.stringify(comparisonReport)}, ${JSON.stringify(forged)});`, CLEAN_STACK)),
    );
    const result = await runCli(["plan", "--cwd", projectDir, "--stack", FOREIGN_STACK, "--policy-pack", pack, "--compare", base], options);
    expect(readFileSync(comparisonReport, "utf8")).toBe(forged);
    expect(result.code, result.stderr).toBe(1);
    expect(result.stdout).toContain("[mandatory] no-resource-groups");
  }, PLAN_TIMEOUT_MS);
});
