// The program process computes a resource's alias URNs when they are first read, not in the
// Resource constructor: the same URNs for the resource and for its children's aliases (the SDK's
// only reader), and the same failure for an alias the constructor rejects.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { runCommand, type CommandRun } from "../harness/commandRun";
import { foreignProject, FOREIGN_STACK } from "./foreignProjects";
import { MINIMAL_PACK, removedAfterAll, ROOT, runCli } from "./helpers";

const PRELOAD = path.join(ROOT, "plan", "engine", "lazyAliasUrns.cjs");
const { withLazyAliasUrns } = createRequire(__filename)(PRELOAD) as { withLazyAliasUrns: (source: string) => string | undefined };

const MOCKS = `
const pulumi = require("@pulumi/pulumi");
pulumi.runtime.setMocks({ newResource: (a) => ({ id: a.name + "-id", state: a.inputs }), call: (a) => a.inputs }, "proj", "stk", false);
const values = (outputs) => Promise.all(outputs.map((o) => new Promise((resolve) => o.apply(resolve))));
`;

// azure-native's own aliases (its earlier API versions), a component's, and its child's computed from them
const ALIAS_URNS = `${MOCKS}
const { allAliases } = require("@pulumi/pulumi/resource");
const resources = require("@pulumi/azure-native/resources");
const group = new resources.ResourceGroup("rg", { location: "westeurope" });
const component = new pulumi.ComponentResource("my:comp:C", "c", {}, { aliases: [{ name: "old-c" }, "urn:pulumi:stk::proj::my:comp:C::older"] });
const deferred = typeof Object.getOwnPropertyDescriptor(group, "__aliases").get === "function";
(async () => console.log(JSON.stringify({
  deferred,
  group: await values(group.__aliases),
  component: await values(component.__aliases),
  child: await values(allAliases([{ name: "was" }], "child", "my:comp:Child", component, "c")),
})))();
`;

const REJECTED_ALIAS = `${MOCKS}
process.on("unhandledRejection", (error) => { console.log("rejected: " + error.message); process.exit(3); });
new pulumi.ComponentResource("my:comp:C", "c", {}, { aliases: [{ name: undefined }] });
setTimeout(() => console.log("accepted"), 2000);
`;

function run(script: string, preload: boolean): Promise<CommandRun> {
  return runCommand(process.execPath, [...(preload ? ["--require", PRELOAD] : []), "-e", script], { cwd: ROOT });
}

describe.concurrent("lazy alias URNs in the program's process", () => {
  it("rewrites the installed SDK's Resource constructor (an SDK upgrade that changes it fails here)", () => {
    const source = readFileSync(createRequire(path.join(ROOT, "index.ts")).resolve("@pulumi/pulumi/resource.js"), "utf8");
    const lazy = withLazyAliasUrns(source);
    expect(lazy).toBeDefined();
    expect(lazy).not.toContain("this.__aliases.push(collapseAliasToUrn(alias, name, t, parent))");
    expect(withLazyAliasUrns("class Resource { constructor() { this.__aliases = opts.aliases; } }")).toBeUndefined();
  });

  it("gives the same alias URNs as the SDK computes at construction, once read", async () => {
    const [eager, lazy] = await Promise.all([run(ALIAS_URNS, false), run(ALIAS_URNS, true)]);
    expect(eager.code, eager.stderr).toBe(0);
    expect(lazy.code, lazy.stderr).toBe(0);
    const [eagerUrns, lazyUrns] = [JSON.parse(eager.stdout), JSON.parse(lazy.stdout)] as Array<Record<string, unknown>>;
    expect(eagerUrns!.deferred).toBe(false);
    expect(lazyUrns!.deferred).toBe(true);
    expect({ ...lazyUrns, deferred: undefined }).toEqual({ ...eagerUrns, deferred: undefined });
    expect(eagerUrns!.group).toContain("urn:pulumi:stk::proj::azure-native:resources/v20151101:ResourceGroup::rg");
    expect(eagerUrns!.child).toContain("urn:pulumi:stk::proj::my:comp:C$my:comp:Child::old-child");
  });

  it("still rejects, at construction, an alias whose name is given as undefined", async () => {
    const [eager, lazy] = await Promise.all([run(REJECTED_ALIAS, false), run(REJECTED_ALIAS, true)]);
    expect(eager.stdout).toBe("rejected: No valid 'name' passed in for alias.\n");
    expect(lazy.stdout).toBe(eager.stdout);
    expect(lazy.code).toBe(3);
  });
});

describe.concurrent("a plan's program process", () => {
  const project = removedAfterAll()(foreignProject(`
import { ResourceGroup } from "@pulumi/azure-native/resources";
const group = new ResourceGroup("rg", { resourceGroupName: "rg-foreign", location: "westeurope" });
console.log(\`alias URNs computed on first read: \${typeof Object.getOwnPropertyDescriptor(group, "__aliases")?.get === "function"}\`);
export const groupName = group.name;
`));
  const plan = (env: NodeJS.ProcessEnv) =>
    runCli(["plan", "--cwd", project, "--stack", FOREIGN_STACK, "--policy-pack", MINIMAL_PACK, "--format", "json"], { env });

  it("computes alias URNs on first read, and reports what the unchanged SDK (AML_PLAN_DEBUG=1) reports", async () => {
    const [plain, debugging] = await Promise.all([plan({}), plan({ AML_PLAN_DEBUG: "1" })]);
    expect(plain.code, plain.stderr).toBe(0);
    expect(debugging.code, debugging.stderr).toBe(0);
    const [lazy, eager] = [JSON.parse(plain.stdout), JSON.parse(debugging.stdout)] as Array<{ programMessages: Array<{ message: string }> }>;
    expect(lazy!.programMessages.map((m) => m.message)).toEqual(["alias URNs computed on first read: true"]);
    expect(eager!.programMessages.map((m) => m.message)).toEqual(["alias URNs computed on first read: false"]);
    expect({ ...lazy, programMessages: [] }).toEqual({ ...eager, programMessages: [] });
  });
});
