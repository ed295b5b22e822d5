// The SDK's closure-serialization dependencies, deferred in the plan's processes: TypeScript and
// npm's Arborist load on first use only, and what uses them (serializeFunction, computeCodePaths)
// still works.
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "./helpers";

const SCRIPT = `
require(${JSON.stringify(path.join(ROOT, "plan", "deferredSdkModules.cjs"))}).deferPulumiClosureModules();
const loaded = (pattern) => Object.keys(require.cache).some((file) => pattern.test(file.split(require("path").sep).join("/")));
const TYPESCRIPT = /\\/typescript\\/lib\\/typescript\\.js$/;
const ARBORIST = /\\/@npmcli\\/arborist\\//;
const pulumi = require("@pulumi/pulumi");
const before = { typescript: loaded(TYPESCRIPT), arborist: loaded(ARBORIST) };
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
  }));
})();
`;

describe("deferred closure-serialization modules of @pulumi/pulumi", () => {
  it("are not loaded with the SDK, and load when closure serialization or code paths need them", () => {
    const run = spawnSync(process.execPath, ["-e", SCRIPT], { cwd: ROOT, encoding: "utf8" });
    expect(run.status, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout.trim().split("\n").at(-1)!)).toEqual({
      before: { typescript: false, arborist: false },
      afterSerialize: { typescript: true, arborist: false },
      text: true,
      arboristAfterCodePaths: true,
      zodIncluded: true,
    });
  });
});
