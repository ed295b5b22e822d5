import { spawn } from "node:child_process";
import * as path from "node:path";
import { TENANT, type FakeAzure } from "./fakes/fakeAzure";

export const ROOT = path.resolve(__dirname, "../..");
export const BIN = path.join(ROOT, "bin", "aml-webservices.js");

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface ServicePrincipal {
  readonly clientId: string;
  readonly secret: string;
}

const CLI_TIMEOUT_MS = 45_000;

/**
 * The environment of a CLI run against the fake Azure: nothing inherited that could reach a real
 * cloud; the self-signed certificate trusted through NODE_EXTRA_CA_CERTS; DefaultAzureCredential
 * limited to its EnvironmentCredential (AZURE_TOKEN_CREDENTIALS), signing in as `principal` at the
 * fake authority.
 */
export function cliEnvironment(azure: FakeAzure, principal: ServicePrincipal | undefined, home: string): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: home,
    NODE_EXTRA_CA_CERTS: azure.tls.certFile,
    AZURE_TOKEN_CREDENTIALS: "EnvironmentCredential",
    AZURE_AUTHORITY_HOST: azure.entra.url,
    AZURE_TENANT_ID: TENANT,
    ...(principal ? { AZURE_CLIENT_ID: principal.clientId, AZURE_CLIENT_SECRET: principal.secret } : {}),
  };
}

/** Runs `aml-webservices endpoint ...` as a child process; `onStderr` sees stderr as it arrives. */
export function runEndpointCli(args: string[], env: NodeJS.ProcessEnv, onStderr?: (text: string) => void): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, "endpoint", ...args], { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
    const timer = setTimeout(() => child.kill("SIGKILL"), CLI_TIMEOUT_MS);
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk;
      onStderr?.(stderr);
    });
    child.once("error", reject);
    child.once("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
