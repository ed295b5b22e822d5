// The SDK's modules the plan's processes rarely use, deferred: TypeScript, npm's Arborist and the
// Automation API load on first use only, and what uses them (serializeFunction, computeCodePaths,
// pulumi.automation) still works.
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "./helpers";

const SCRIPT = `
require(${JSON.stringify(path.join(ROOT, "plan", "deferredSdkModules.cjs"))}).deferUnusedSdkModules();
const loaded = (pattern) => Object.keys(require.cache).some((file) => pattern.test(file.split(require("path").sep).join("/")));
const TYPESCRIPT = /\\/typescript\\/lib\\/typescript\\.js$/;
const ARBORIST = /\\/@npmcli\\/arborist\\//;
const AUTOMATION = /\\/@pulumi\\/pulumi\\/automation\\/localWorkspace\\.js$/;
const pulumi = require("@pulumi/pulumi");
const before = { typescript: loaded(TYPESCRIPT), arborist: loaded(ARBORIST), automation: loaded(AUTOMATION) };
const { LocalWorkspace, fullyQualifiedStackName } = pulumi.automation;
const automation = {
  loaded: loaded(AUTOMATION),
  sameAsItsModule: LocalWorkspace === require("@pulumi/pulumi/automation/localWorkspace").LocalWorkspace,
  works: fullyQualifiedStackName("org", "project", "stack"),
  keys: Object.keys(pulumi.automation).includes("LocalWorkspace"),
};
(async () => {
  const serialized = await pulumi.runtime.serializeFunction(() => 6 * 7);
  const afterSerialize = { typescript: loaded(TYPESCRIPT), arborist: loaded(ARBORIST) };
  const codePaths = await pulumi.runtime.computeCodePaths({ extraIncludePackages: ["zod"] });
  console.log(JSON.stringify({
    before,
    afterSerialize,
    text: serialized.text.includes("6 * 7"),
    arboristAfterCodePaths: loaded(ARBORIST),
    zodIncluded: [...codePaths.keys()].some((p) => /node_modules\\/zod$/.test(p)),
    automation,
  }));
})();
`;

describe("the modules of @pulumi/pulumi the plan's processes rarely use", () => {
  it("are not loaded with the SDK, and load when closure serialization, code paths or the Automation API need them", () => {
    const run = spawnSync(process.execPath, ["-e", SCRIPT], { cwd: ROOT, encoding: "utf8" });
    expect(run.status, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout.trim().split("\n").at(-1)!)).toEqual({
      before: { typescript: false, arborist: false, automation: false },
      afterSerialize: { typescript: true, arborist: false },
      text: true,
      arboristAfterCodePaths: true,
      zodIncluded: true,
      automation: { loaded: true, sameAsItsModule: true, works: "org/project/stack", keys: true },
    });
  });
});
