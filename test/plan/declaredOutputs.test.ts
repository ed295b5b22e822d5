// Output-only fields read from the SDK's .d.ts files, kept across runs per package install.
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { makeTempDir, removedAfterAll, ROOT } from "./helpers";

const temp = removedAfterAll();
const ENDPOINT = "azure-native:machinelearningservices:OnlineEndpoint";

/** A fresh copy of the module, as a new plan process has, reading the cache in `cacheDir`. */
async function freshModule(cacheDir: string): Promise<typeof import("../../plan/engine/declaredOutputs")> {
  vi.stubEnv("AML_PLAN_CACHE_DIR", cacheDir);
  vi.resetModules();
  return import("../../plan/engine/declaredOutputs.js");
}

afterEach(() => {
  vi.unstubAllEnvs();
});

describe("output-only paths, kept across runs", () => {
  it("persists what it read per package version, and a later run answers from that file", async () => {
    const cacheDir = temp(makeTempDir({}));
    const first = await freshModule(cacheDir);
    const paths = first.nestedOutputOnlyPaths(ENDPOINT, ROOT);
    // the endpoint's scoring URI is computed by Azure (OnlineEndpointPropertiesResponse, not ...Args)
    expect(paths).toContain("properties.scoringUri");
    expect(paths).not.toContain("properties.authMode");

    const dir = path.join(cacheDir, "output-only-paths");
    const [file] = readdirSync(dir);
    const version = (JSON.parse(readFileSync(path.join(ROOT, "node_modules/@pulumi/azure-native/package.json"), "utf8")) as { version: string }).version;
    expect(file).toMatch(new RegExp(`^azure-native@${version.replace(/\./g, "\\.")}-[0-9a-f]{16}\\.json$`));
    expect(JSON.parse(readFileSync(path.join(dir, file!), "utf8"))).toEqual({ [ENDPOINT]: paths });

    // a later process reads the file instead of the .d.ts files: what the file says is what it answers
    writeFileSync(path.join(dir, file!), JSON.stringify({ [ENDPOINT]: ["properties.fromTheCache"] }));
    const later = await freshModule(cacheDir);
    expect(later.nestedOutputOnlyPaths(ENDPOINT, ROOT)).toEqual(["properties.fromTheCache"]);
  });
});
