import { readFileSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { CLEAN_STACK, FOREIGN_STACK, foreignProject, program } from "./foreignProjects";
import { MINIMAL_PACK, removedAfterAll, runCli } from "./helpers";

// A run ends as under the CLI's Node.js host, where each run has a process of its own that ends once
// its event loop is empty: `beforeExit` comes, the host lets the loop turn once more, `beforeExit`
// comes again and the host signals the engine. The plan runs both phases in one process: each run's
// listeners are its own.
// (What a program registers late counts: see bypass.e2e.test.ts.)

const removeLater = removedAfterAll();

describe("the end of a program's run", () => {
  it("calls the beforeExit listeners a run added twice, as the CLI's host does, in that run only, once its loop is empty", async () => {
    const project = removeLater(
      foreignProject(
        program(
          CLEAN_STACK,
          // the listener notes the phase it is called in, and whether the timer started before had fired
          `let fired = false;
setTimeout(() => { fired = true; }, 300);
process.on("beforeExit", () => require("node:fs").appendFileSync("calls.txt", \`\${pulumi.runtime.isDryRun() ? "preview" : "deploy"} \${fired}\\n\`));`,
        ),
      ),
    );
    const result = await runCli(["plan", "--cwd", project, "--stack", FOREIGN_STACK, "--policy-pack", MINIMAL_PACK]);
    expect(result.code, result.stderr).toBe(0);
    expect(readFileSync(path.join(project, "calls.txt"), "utf8").trim().split("\n")).toEqual(["preview true", "preview true", "deploy true", "deploy true"]);
  });

  it("ends the run of a program whose libraries wrap process.emit, as signal-exit and node:domain do", async () => {
    const project = removeLater(foreignProject(program(CLEAN_STACK, `require("node:domain");\nrequire("signal-exit")(() => undefined);`)));
    const result = await runCli(["plan", "--cwd", project, "--stack", FOREIGN_STACK, "--policy-pack", MINIMAL_PACK, "--format", "json"]);
    expect(result.code, result.stderr).toBe(0);
    expect((JSON.parse(result.stdout) as { summary: { resources: number } }).summary.resources).toBeGreaterThan(1);
  });
});
