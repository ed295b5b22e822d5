// Pulumi's TypeScript shim, deferred in the plan's processes: TypeScript loads on first use only,
// and closure serialization (the shim's only user) still works.
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "./helpers";

const SCRIPT = `
require(${JSON.stringify(path.join(ROOT, "plan", "deferredTypeScript.cjs"))}).deferPulumiTypeScript();
const loaded = () => Object.keys(require.cache).some((file) => /[\\\\/]typescript[\\\\/]lib[\\\\/]typescript\\.js$/.test(file));
const pulumi = require("@pulumi/pulumi");
const before = loaded();
pulumi.runtime.serializeFunction(() => 6 * 7).then((serialized) => {
  console.log(JSON.stringify({ before, after: loaded(), text: serialized.text.includes("6 * 7") }));
});
`;

describe("deferred TypeScript of @pulumi/pulumi", () => {
  it("is not loaded with the SDK, and loads when closure serialization needs it", () => {
    const run = spawnSync(process.execPath, ["-e", SCRIPT], { cwd: ROOT, encoding: "utf8" });
    expect(run.status).toBe(0);
    expect(JSON.parse(run.stdout.trim().split("\n").at(-1)!)).toEqual({ before: false, after: true, text: true });
  });
});
