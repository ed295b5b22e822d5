import type { ChildProcess } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { pluginManifest, servedSchema, startPlugin } from "../harness/componentPlugin";

// `pulumi package add` runs the plugin as the Node.js language host does: run-plugin's ts-node
// type-checks what it compiles and keeps the output under TMPDIR, so a later start type-checks only
// the files that changed, each on its own. These start it that way, with a TMPDIR of their own, and
// ask for the schema.

const REPO = path.resolve(__dirname, "../..");
let temporary: string;
beforeAll(() => {
  temporary = mkdtempSync(path.join(tmpdir(), "aml-plugin-tmp-"));
});
afterAll(() => rmSync(temporary, { recursive: true, force: true }));

let plugin: ChildProcess | undefined;
afterEach(() => {
  plugin?.kill();
  plugin = undefined;
});

async function schemaOfStartedPlugin(): Promise<{ name: string; resources: Record<string, unknown> }> {
  const started = startPlugin({ TMPDIR: temporary });
  plugin = started.plugin;
  return JSON.parse(await servedSchema(await started.port)) as { name: string; resources: Record<string, unknown> };
}

/** Removes what ts-node kept for `file` (its output names the source in an inline source map), as if the file had changed. */
function forgetCompiled(file: string): number {
  const cacheDirs = readdirSync(temporary).filter((name) => name.startsWith("ts-node-")).flatMap((name) => readdirSync(path.join(temporary, name)).map((hash) => path.join(temporary, name, hash)));
  let removed = 0;
  for (const output of cacheDirs.flatMap((dir) => readdirSync(dir).map((name) => path.join(dir, name)))) {
    const map = /sourceMappingURL=data:application\/json;(?:charset=utf-8;)?base64,([A-Za-z0-9+/=]+)/.exec(readFileSync(output, "utf8"));
    const sources = map ? (JSON.parse(Buffer.from(map[1]!, "base64").toString()) as { sources: string[] }).sources : [];
    if (sources.includes(file)) {
      rmSync(output);
      removed++;
    }
  }
  return removed;
}

describe.sequential("the component package as the Pulumi CLI runs it", () => {
  it("serves the schema of the four components from PulumiPlugin.yaml's entry point, on a first start that type-checks every file", async () => {
    expect(pluginManifest().runtime).toBe("nodejs");
    const spec = await schemaOfStartedPlugin();
    expect(spec.name).toBe("aml-webservices");
    expect(Object.keys(spec.resources).sort()).toEqual([
      "aml-webservices:index:AadApplications",
      "aml-webservices:index:AksInferenceCluster",
      "aml-webservices:index:MlWorkspace",
      "aml-webservices:index:ModelWebService",
    ]);
  });

  it("starts again after one file without imports changed, which ts-node type-checks alone", async () => {
    expect(forgetCompiled(path.join(REPO, "components", "editDistance.ts"))).toBe(1);
    expect((await schemaOfStartedPlugin()).name).toBe("aml-webservices");
  });
});
