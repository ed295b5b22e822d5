// A program's log messages reach the plan as the CLI shows them without `--debug`: info and warnings
// (an error fails the run), in the order logged. Debug messages (the SDK logs several per resource) never leave
// the program's process: the engine would drop each one after a call of its own.
import { describe, expect, it } from "vitest";
import { runProgram } from "../../plan/programRun";
import { readPulumiProject, readStackConfig } from "../../plan/pulumiProject";
import { FOREIGN_STACK, foreignProject } from "./foreignProjects";
import { removedAfterAll } from "./helpers";

/** Counts the engine Log calls that go on the wire, on the channel of the SDK's engine client. */
const LOGGING_PROGRAM = `
import * as pulumi from "@pulumi/pulumi";
import { ResourceGroup } from "@pulumi/azure-native/resources";

type Channel = { createCall(method: string, ...rest: unknown[]): unknown };
const channel: Channel = pulumi.runtime.getEngine().getChannel();
const createCall = channel.createCall;
let logCalls = 0;
channel.createCall = function (this: Channel, method: string, ...rest: unknown[]) {
  if (method === "/pulumirpc.Engine/Log") logCalls++;
  return createCall.call(this, method, ...rest);
};

export = async () => {
  const group = new ResourceGroup("rg", { resourceGroupName: "rg-logging", location: "westeurope" });
  await pulumi.log.debug("a debug message");
  await pulumi.log.info("an info message");
  await pulumi.log.debug("another debug message", group);
  await pulumi.log.warn("a warning", group);
  return { logCalls };
};
`;

const dir = removedAfterAll()(foreignProject(LOGGING_PROGRAM));

describe("a program's log messages", () => {
  it("reach the plan in order, debug messages excepted, which cost no call to the engine", async () => {
    const project = readPulumiProject(dir);
    const run = await runProgram(project, readStackConfig(project, FOREIGN_STACK), { phase: "deploy", timeoutSeconds: 60 });
    const logged = run.messages.filter((m) => /message|warning$/.test(m.message)).map((m) => [m.severity, m.message]);
    expect(logged).toEqual([
      ["info", "an info message"],
      ["warning", "a warning"],
    ]);
    // one call each for the info and the warning; none for the SDK's or the program's debug messages
    expect(run.stackOutputs.logCalls).toBe(2);
  }, 120_000);
});
