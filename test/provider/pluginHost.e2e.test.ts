import type { ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { pluginManifest, servedSchema, startPlugin } from "../harness/componentPlugin";

// `pulumi package add` runs the plugin as the Node.js language host does: run-plugin's ts-node
// type-checks what it compiles and keeps the output under TMPDIR, so a later start type-checks only
// the files that changed, each on its own. This starts it that way, with a TMPDIR and a cache
// directory of its own, and asks for the schema.

const REPO = path.resolve(__dirname, "../..");

let plugin: ChildProcess | undefined;
let temporary: string | undefined;
afterEach(() => {
  plugin?.kill();
  plugin = undefined;
  if (temporary) rmSync(temporary, { recursive: true, force: true });
  temporary = undefined;
});

async function schemaOfStartedPlugin(env: NodeJS.ProcessEnv): Promise<string> {
  const started = startPlugin(env);
  plugin = started.plugin;
  try {
    return await servedSchema(await started.port);
  } finally {
    plugin.kill();
  }
}

/** Removes what ts-node kept for `file` (its output names the source in an inline source map), as if the file had changed. */
function forgetCompiled(tmp: string, file: string): number {
  const cacheDirs = readdirSync(tmp)
    .filter((name) => name.startsWith("ts-node-"))
    .flatMap((name) => readdirSync(path.join(tmp, name)).map((hash) => path.join(tmp, name, hash)));
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

describe("the component package as the Pulumi CLI runs it", () => {
  it("serves the schema of the four components, derived on a first start, kept for a start after one file changed", async () => {
    expect(pluginManifest().runtime).toBe("nodejs");
    temporary = mkdtempSync(path.join(tmpdir(), "aml-plugin-"));
    const env = { TMPDIR: path.join(temporary, "tmp"), AML_PLAN_CACHE_DIR: path.join(temporary, "cache") };
    mkdirSync(env.TMPDIR);

    // first start: ts-node type-checks every file; the schema is derived and kept
    const first = await schemaOfStartedPlugin(env);
    const spec = JSON.parse(first) as { name: string; resources: Record<string, unknown> };
    expect(spec.name).toBe("aml-webservices");
    expect(Object.keys(spec.resources).sort()).toEqual([
      "aml-webservices:index:AadApplications",
      "aml-webservices:index:AksInferenceCluster",
      "aml-webservices:index:MlWorkspace",
      "aml-webservices:index:ModelWebService",
    ]);
    const entries = readdirSync(path.join(env.AML_PLAN_CACHE_DIR, "provider-schemas")).map((name) => path.join(env.AML_PLAN_CACHE_DIR, "provider-schemas", name));
    expect(entries).toHaveLength(1);
    const kept = statSync(entries[0]!);

    // a start that finds one file without imports compiled no more: ts-node type-checks it alone
    expect(forgetCompiled(env.TMPDIR, path.join(REPO, "components", "editDistance.ts"))).toBe(1);
    expect(await schemaOfStartedPlugin(env)).toBe(first);
    // served from the kept entry: not derived and written again
    expect(statSync(entries[0]!).mtimeMs).toBe(kept.mtimeMs);
  });
});
