import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import * as grpc from "@grpc/grpc-js";
import { parse } from "yaml";

// The component package's plugin as the Pulumi CLI runs it: @pulumi/pulumi's run-plugin with the
// entry point of PulumiPlugin.yaml, compiled by ts-node, serving the ResourceProvider gRPC service on
// the port it prints.

const REPOSITORY = path.resolve(__dirname, "../..");

// The generated gRPC stubs are CommonJS without declarations.
const providerRpc = require("@pulumi/pulumi/proto/provider_grpc_pb") as {
  ResourceProviderClient: new (address: string, credentials: grpc.ChannelCredentials) => {
    getSchema(request: unknown, callback: (error: Error | null, response: { getSchema(): string }) => void): void;
    close(): void;
  };
};
const providerMessages = require("@pulumi/pulumi/proto/provider_pb") as { GetSchemaRequest: new () => unknown };

export interface PluginManifest {
  runtime: string;
  main: string;
}

export function pluginManifest(): PluginManifest {
  return parse(readFileSync(path.join(REPOSITORY, "PulumiPlugin.yaml"), "utf8")) as PluginManifest;
}

/** Starts the plugin with `env` added to its environment; `port` settles once it serves, or fails with its output. */
export function startPlugin(env: NodeJS.ProcessEnv = {}): { plugin: ChildProcess; port: Promise<number> } {
  const plugin = spawn(process.execPath, [require.resolve("@pulumi/pulumi/cmd/run-plugin"), pluginManifest().main], {
    cwd: REPOSITORY,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const port = new Promise<number>((resolve, reject) => {
    let output = "";
    plugin.stdout?.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      const match = /^(\d+)\s*$/m.exec(output);
      if (match) resolve(Number(match[1]));
    });
    plugin.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
    plugin.once("exit", (code) => reject(new Error(`the plugin exited (${code}) before serving:\n${output}`)));
  });
  return { plugin, port };
}

/** The schema the plugin on `port` serves (GetSchema). */
export async function servedSchema(port: number): Promise<string> {
  const client = new providerRpc.ResourceProviderClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  try {
    return await new Promise<string>((resolve, reject) =>
      client.getSchema(new providerMessages.GetSchemaRequest(), (error, response) => (error ? reject(error) : resolve(response.getSchema()))),
    );
  } finally {
    client.close();
  }
}
