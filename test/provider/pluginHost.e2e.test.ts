import { spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import * as grpc from "@grpc/grpc-js";
import { parse } from "yaml";
import { afterEach, describe, expect, it } from "vitest";

// `pulumi package add` runs the plugin as the Node.js language host does: @pulumi/pulumi's run-plugin
// with the entry point of PulumiPlugin.yaml, compiled by ts-node, which then serves the
// ResourceProvider gRPC service on the port it prints. This runs it that way and asks for the schema.

const REPO = path.resolve(__dirname, "../..");
// The generated gRPC stubs are CommonJS without declarations.
const providerRpc = require("@pulumi/pulumi/proto/provider_grpc_pb") as {
  ResourceProviderClient: new (address: string, credentials: grpc.ChannelCredentials) => {
    getSchema(request: unknown, callback: (error: Error | null, response: { getSchema(): string }) => void): void;
    close(): void;
  };
};
const providerMessages = require("@pulumi/pulumi/proto/provider_pb") as { GetSchemaRequest: new () => unknown };

let plugin: ChildProcess | undefined;
afterEach(() => {
  plugin?.kill();
  plugin = undefined;
});

function portOf(child: ChildProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    let stdout = "";
    let stderr = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
      const port = /^(\d+)\s*$/m.exec(stdout);
      if (port) resolve(Number(port[1]));
    });
    child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("exit", (code) => reject(new Error(`the plugin exited (${code}) before serving:\n${stdout}\n${stderr}`)));
  });
}

describe("the component package as the Pulumi CLI runs it", () => {
  it("serves the schema of the four components from PulumiPlugin.yaml's entry point", async () => {
    const manifest = parse(fs.readFileSync(path.join(REPO, "PulumiPlugin.yaml"), "utf8")) as { runtime: string; main: string };
    expect(manifest.runtime).toBe("nodejs");
    plugin = spawn("node", [require.resolve("@pulumi/pulumi/cmd/run-plugin"), manifest.main], { cwd: REPO, stdio: ["ignore", "pipe", "pipe"] });
    const port = await portOf(plugin);
    const client = new providerRpc.ResourceProviderClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
    const schema = await new Promise<string>((resolve, reject) =>
      client.getSchema(new providerMessages.GetSchemaRequest(), (error, response) => (error ? reject(error) : resolve(response.getSchema()))),
    );
    client.close();
    const spec = JSON.parse(schema) as { name: string; resources: Record<string, { isComponent?: boolean }> };
    expect(spec.name).toBe("aml-webservices");
    expect(Object.keys(spec.resources).sort()).toEqual([
      "aml-webservices:index:AadApplications",
      "aml-webservices:index:AksInferenceCluster",
      "aml-webservices:index:MlWorkspace",
      "aml-webservices:index:ModelWebService",
    ]);
  });
});
