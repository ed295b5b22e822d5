// A program's log messages reach the plan as the CLI shows them without `--debug`: info and warnings
// (an error fails the run), in the order logged. Debug messages (the SDK logs several per resource)
// never leave the program's process: the engine would drop each one after a call of its own.
import { afterEach, describe, expect, it, vi } from "vitest";
import { PlanEngine } from "../../plan/engine/planEngine";
import { runProgram } from "../../plan/programRun";
import { readPulumiProject, readStackConfig } from "../../plan/pulumiProject";
import { FOREIGN_STACK, foreignProject } from "./foreignProjects";
import { removedAfterAll } from "./helpers";

const LOGGING_PROGRAM = `
import * as pulumi from "@pulumi/pulumi";
import { ResourceGroup } from "@pulumi/azure-native/resources";

export = async () => {
  const group = new ResourceGroup("rg", { resourceGroupName: "rg-logging", location: "westeurope" });
  await pulumi.log.debug("a debug message");
  await pulumi.log.info("an info message");
  await pulumi.log.debug("another debug message", group);
  await pulumi.log.warn("a warning", group);
  return { groupName: group.name };
};
`;

const dir = removedAfterAll()(foreignProject(LOGGING_PROGRAM));

describe("a program's log messages", () => {
  afterEach(() => vi.restoreAllMocks());

  it("reach the plan in order, debug messages excepted, which cost no call to the engine", async () => {
    const served = vi.spyOn(PlanEngine.prototype, "serveCall");
    const project = readPulumiProject(dir);
    const run = await runProgram(project, readStackConfig(project, FOREIGN_STACK), { phase: "deploy", timeoutSeconds: 60 });
    const logged = run.messages.filter((m) => /message|warning$/.test(m.message)).map((m) => [m.severity, m.message]);
    expect(logged).toEqual([
      ["info", "an info message"],
      ["warning", "a warning"],
    ]);
    const paths = served.mock.calls.map(([path]) => path);
    expect(paths).toContain("/pulumirpc.ResourceMonitor/RegisterResource");
    // one call each for the info and the warning; none for the SDK's or the program's debug messages
    expect(paths.filter((path) => path === "/pulumirpc.Engine/Log")).toHaveLength(2);
  }, 120_000);
});
