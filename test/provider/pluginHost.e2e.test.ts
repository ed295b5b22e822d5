import type { ChildProcess } from "node:child_process";
import { afterEach, describe, expect, it } from "vitest";
import { pluginManifest, servedSchema, startPlugin } from "../harness/componentPlugin";

// `pulumi package add` runs the plugin as the Node.js language host does; this runs it that way and
// asks for the schema.

let plugin: ChildProcess | undefined;
afterEach(() => {
  plugin?.kill();
  plugin = undefined;
});

describe("the component package as the Pulumi CLI runs it", () => {
  it("serves the schema of the four components from PulumiPlugin.yaml's entry point", async () => {
    expect(pluginManifest().runtime).toBe("nodejs");
    const started = startPlugin();
    plugin = started.plugin;
    const spec = JSON.parse(await servedSchema(await started.port)) as { name: string; resources: Record<string, { isComponent?: boolean }> };
    expect(spec.name).toBe("aml-webservices");
    expect(Object.keys(spec.resources).sort()).toEqual([
      "aml-webservices:index:AadApplications",
      "aml-webservices:index:AksInferenceCluster",
      "aml-webservices:index:MlWorkspace",
      "aml-webservices:index:ModelWebService",
    ]);
  });
});
