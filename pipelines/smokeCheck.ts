// `npm run smoke -- --stack <name> [--samples <file.json>]` (or `--outputs <file.json>` instead of --stack)
//
// After a deploy: calls every endpoint of the stack with its own credentials and fails on an error.
// Key endpoints are called with each key (both must work: clients may hold either during a
// rotation), AML token endpoints with a token fetched from the endpoint's token action, Entra ID
// token endpoints with a token for their audience. Credentials are never printed.
import { execFile } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { z } from "zod";

const endpointSchema = z.object({
  authMode: z.enum(["Key", "AMLToken", "AADToken"]),
  scoringUri: z.string(),
  keys: z.object({ primaryKey: z.string(), secondaryKey: z.string() }).optional(),
  tokenAccess: z.object({ tokenPath: z.string() }).optional(),
  aadTokenAudience: z.string().optional(),
});
const stackOutputsSchema = z.object({ endpoints: z.record(z.string(), endpointSchema).default({}) });
export type EndpointOutput = z.infer<typeof endpointSchema>;

/** api-version of the online endpoint `token` action (Microsoft.MachineLearningServices 2024-10-01). */
export const TOKEN_API_VERSION = "2024-10-01";
export const ARM_RESOURCE = "https://management.azure.com/";

export interface SmokeDependencies {
  /** an Entra ID access token for a resource (audience), e.g. from `az account get-access-token` */
  accessToken: (resource: string) => Promise<string>;
  fetch: typeof fetch;
  /** Azure Resource Manager's base URL */
  armUrl: string;
  timeoutMs: number;
}

export interface SmokeResult {
  endpoint: string;
  credential: string;
  ok: boolean;
  detail: string;
}

/** Parses `pulumi stack output --json --show-secrets`; names the field that does not fit. */
export function parseStackOutputs(text: string): Record<string, EndpointOutput> {
  const parsed = stackOutputsSchema.safeParse(JSON.parse(text));
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new Error(`stack outputs: ${issue.path.join(".")}: ${issue.message}`);
  }
  return parsed.data.endpoints;
}

export async function smokeCheck(
  endpoints: Record<string, EndpointOutput>,
  deps: SmokeDependencies,
  samples: Record<string, unknown> = {},
): Promise<SmokeResult[]> {
  const results: SmokeResult[] = [];
  for (const [name, endpoint] of Object.entries(endpoints)) {
    const sample = samples[name];
    let credentials: Array<{ label: string; bearer: string }>;
    try {
      credentials = await credentialsOf(endpoint, deps);
    } catch (error) {
      results.push({ endpoint: name, credential: endpoint.authMode, ok: false, detail: `cannot get credentials: ${(error as Error).message}` });
      continue;
    }
    for (const credential of credentials) {
      results.push({ endpoint: name, credential: credential.label, ...(await call(endpoint.scoringUri, credential.bearer, sample, deps)) });
    }
  }
  return results;
}

async function credentialsOf(endpoint: EndpointOutput, deps: SmokeDependencies): Promise<Array<{ label: string; bearer: string }>> {
  switch (endpoint.authMode) {
    case "Key":
      if (!endpoint.keys) throw new Error("a Key endpoint without keys in the stack outputs");
      return [
        { label: "primary key", bearer: endpoint.keys.primaryKey },
        { label: "secondary key", bearer: endpoint.keys.secondaryKey },
      ];
    case "AMLToken": {
      if (!endpoint.tokenAccess) throw new Error("an AMLToken endpoint without tokenAccess in the stack outputs");
      const arm = await deps.accessToken(ARM_RESOURCE);
      const url = `${deps.armUrl.replace(/\/$/, "")}${endpoint.tokenAccess.tokenPath}?api-version=${TOKEN_API_VERSION}`;
      const response = await deps.fetch(url, { method: "POST", headers: { authorization: `Bearer ${arm}` }, signal: AbortSignal.timeout(deps.timeoutMs) });
      if (!response.ok) throw new Error(`the endpoint's token action answered ${response.status}`);
      const token = z.object({ accessToken: z.string() }).parse(await response.json());
      return [{ label: "AML token", bearer: token.accessToken }];
    }
    case "AADToken":
      return [{ label: "Entra ID token", bearer: await deps.accessToken(endpoint.aadTokenAudience ?? "https://ml.azure.com") }];
  }
}

/**
 * 2xx passes. 401 and 403 (credential refused), 404 (no such endpoint) and 5xx fail. Another 4xx
 * passes only without a sample request: the service was reached and took the credential, and the
 * model refused the empty placeholder body; with a sample, the model must answer it.
 */
async function call(uri: string, bearer: string, sample: unknown, deps: SmokeDependencies): Promise<{ ok: boolean; detail: string }> {
  if (!/^https?:\/\//.test(uri)) return { ok: false, detail: `no scoring URI in the stack outputs (got '${uri}')` };
  let status: number;
  try {
    const response = await deps.fetch(uri, {
      method: "POST",
      headers: { authorization: `Bearer ${bearer}`, "content-type": "application/json" },
      body: JSON.stringify(sample ?? {}),
      signal: AbortSignal.timeout(deps.timeoutMs),
    });
    status = response.status;
    await response.arrayBuffer();
  } catch (error) {
    return { ok: false, detail: `no answer from ${uri}: ${(error as Error).message}` };
  }
  if (status >= 200 && status < 300) return { ok: true, detail: `${status}: answered${sample === undefined ? " the placeholder request" : " the sample request"}` };
  if (status === 401 || status === 403) return { ok: false, detail: `${status}: the credential was refused` };
  if (status === 404) return { ok: false, detail: `404: no such endpoint at ${uri}` };
  if (status >= 500) return { ok: false, detail: `${status}: the service failed` };
  if (sample === undefined) return { ok: true, detail: `${status}: reached with the credential accepted; the model refused the placeholder request (add a sample request to check the model)` };
  return { ok: false, detail: `${status}: the model refused the sample request` };
}

function run(command: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${command} ${args[0]} ${args[1] ?? ""} failed: ${stderr.trim() || error.message}`));
      else resolve(stdout);
    });
  });
}

/** An access token from the Azure CLI, logged in by the pipeline (OIDC). */
export async function azureCliAccessToken(resource: string): Promise<string> {
  return (await run("az", ["account", "get-access-token", "--resource", resource, "--query", "accessToken", "--output", "tsv"])).trim();
}

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { stack: { type: "string" }, outputs: { type: "string" }, samples: { type: "string" } }, strict: true });
  if (!values.stack && !values.outputs) throw new Error("--stack <name> (reads `pulumi stack output`) or --outputs <file> is required");
  const outputs = values.outputs
    ? readFileSync(values.outputs, "utf8")
    : await run("pulumi", ["stack", "output", "--json", "--show-secrets", "--stack", values.stack!]);
  const samples = values.samples && existsSync(values.samples) ? (JSON.parse(readFileSync(values.samples, "utf8")) as Record<string, unknown>) : {};
  const results = await smokeCheck(parseStackOutputs(outputs), { accessToken: azureCliAccessToken, fetch, armUrl: "https://management.azure.com", timeoutMs: 30_000 }, samples);
  if (results.length === 0) console.log("no endpoints in the stack outputs: nothing to call");
  for (const r of results) console.log(`${r.ok ? "ok  " : "FAIL"} ${r.endpoint} (${r.credential}): ${r.detail}`);
  return results.every((r) => r.ok) ? 0 : 1;
}

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(`error: ${error instanceof Error ? error.message : String(error)}`);
      process.exit(1);
    },
  );
}
