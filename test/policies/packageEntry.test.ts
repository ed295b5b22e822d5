import { execFileSync, spawnSync } from "node:child_process";
import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";

// A team composes aml-auth-guard into its own pack: `aml-auth-guard/guard` gives the typed class and
// its policies as JavaScript with declarations, and importing it constructs no pack (a constructed
// pack starts the analyzer's gRPC server and waits for the Pulumi CLI).

const REPO = path.resolve(__dirname, "../..");

beforeAll(() => {
  execFileSync("node", [path.join(REPO, "node_modules/typescript/bin/tsc"), "-p", path.join(REPO, "policies/tsconfig.build.json")], { cwd: REPO });
});

describe("the policy pack's package entry aml-auth-guard/guard", () => {
  it("is imported with plain Node.js, constructs no pack, and lets a team take the policies into its own pack", () => {
    const probe = spawnSync(
      "node",
      [
        "-e",
        `const guard = require("aml-auth-guard/guard");
         const { PolicyPack } = require("@pulumi/policy");
         const { policies } = guard.resolveAmlAuthGuard({ all: "advisory", mlEndpointAuthRequired: "mandatory" });
         console.log(JSON.stringify({
           extendsPolicyPack: guard.AmlAuthGuard.prototype instanceof PolicyPack,
           levels: Object.fromEntries(policies.map((p) => [p.name, p.enforcementLevel])),
         }));`,
      ],
      { cwd: REPO, encoding: "utf8", timeout: 60_000 },
    );
    expect(probe.stderr).toBe("");
    // exits by itself: no analyzer server was started by the import
    expect(probe.status).toBe(0);
    const result = JSON.parse(probe.stdout) as { extendsPolicyPack: boolean; levels: Record<string, string> };
    expect(result.extendsPolicyPack).toBe(true);
    expect(result.levels["ml-endpoint-auth-required"]).toBe("mandatory");
    expect(result.levels["ml-endpoint-auth-exclusive"]).toBe("advisory");
    expect(Object.keys(result.levels).length).toBeGreaterThan(10);
  });

  it("keeps the pack's own entry point for the Pulumi CLI, which loads the directory's main", async () => {
    const manifest = (await import("../../policies/package.json", { with: { type: "json" } })).default as { main: string; exports: Record<string, unknown> };
    expect(manifest.main).toBe("index.ts");
    expect(manifest.exports["./guard"]).toEqual({ types: "./dist/amlAuthGuard.d.ts", default: "./dist/amlAuthGuard.js" });
  });
});
