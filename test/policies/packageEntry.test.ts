import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// A team composes aml-auth-guard into its own pack: `aml-auth-guard/guard` gives the typed class and
// its policies as JavaScript with declarations, and importing it constructs no pack (a constructed
// pack starts the analyzer's gRPC server and waits for the Pulumi CLI).
//
// Built with the package's own build script in a copy of it: the plans of other tests hash every
// file of policies/, dist/ included, to find its compilation.

const REPO = path.resolve(__dirname, "../..");
/** Output of a source deleted since the last build: the build must not leave it for `npm pack`. */
const STALE_OUTPUT = path.join("dist", "rules", "retiredRule.js");

let pack: string;
beforeAll(() => {
  pack = mkdtempSync(path.join(tmpdir(), "aml-auth-guard-"));
  cpSync(path.join(REPO, "policies"), pack, { recursive: true, filter: (source) => !["dist", "node_modules"].includes(path.relative(path.join(REPO, "policies"), source)) });
  symlinkSync(path.join(REPO, "node_modules"), path.join(pack, "node_modules"), "dir");
  mkdirSync(path.dirname(path.join(pack, STALE_OUTPUT)), { recursive: true });
  writeFileSync(path.join(pack, STALE_OUTPUT), "exports.retiredRule = {};\n");
  const build = spawnSync("npm", ["run", "build"], { cwd: pack, encoding: "utf8", timeout: 120_000 });
  if (build.status !== 0) throw new Error(`npm run build failed:\n${build.stdout}${build.stderr}`);
});
afterAll(() => {
  if (pack) rmSync(pack, { recursive: true, force: true });
});

describe("the policy pack's package entry aml-auth-guard/guard", () => {
  it("is built from the sources there are: the build empties dist/ first", () => {
    expect(existsSync(path.join(pack, "dist", "amlAuthGuard.js"))).toBe(true);
    expect(existsSync(path.join(pack, "dist", "amlAuthGuard.d.ts"))).toBe(true);
    expect(existsSync(path.join(pack, STALE_OUTPUT))).toBe(false);
  });

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
      // inside the package, Node.js resolves its own name through its exports map
      { cwd: pack, encoding: "utf8", timeout: 60_000 },
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
