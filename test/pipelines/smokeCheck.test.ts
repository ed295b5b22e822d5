// The post-deploy smoke check against a local scoring service and token action on 127.0.0.1.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ARM_RESOURCE, TOKEN_API_VERSION, parseStackOutputs, smokeCheck, type SmokeDependencies } from "../../pipelines/smokeCheck";

const TOKEN_PATH = "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-aml-dev-weu/providers/Microsoft.MachineLearningServices/workspaces/mlw-dev-weu/onlineEndpoints/fraud-dev";
let server: Server;
let base = "";
const seen: string[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    const auth = req.headers.authorization ?? "";
    seen.push(`${req.method} ${req.url} ${auth}`);
    const reply = (status: number, body: unknown = {}): void => void res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
    if (req.url === `${TOKEN_PATH}/token?api-version=${TOKEN_API_VERSION}`) return auth === "Bearer arm-token" ? reply(200, { accessToken: "aml-token", expiryTimeUtc: 1, refreshAfterTimeUtc: 1, tokenType: "Bearer" }) : reply(401);
    // scoring: each endpoint accepts exactly its credentials
    const accepted: Record<string, string[]> = { "/key/score": ["Bearer key-1", "Bearer key-2"], "/rotated/score": ["Bearer key-1"], "/token/score": ["Bearer aml-token"], "/aad/score": ["Bearer aad-token"] };
    if (req.url === "/broken/score") return reply(502);
    if (!accepted[req.url ?? ""]) return reply(404);
    if (!accepted[req.url!]!.includes(auth)) return reply(401);
    return req.url === "/aad/score" ? reply(400, { error: "missing input_data" }) : reply(200, [0.42]);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const deps = (): SmokeDependencies => ({
  accessToken: async (resource) => (resource === ARM_RESOURCE ? "arm-token" : resource === "https://ml.azure.com" ? "aad-token" : "other"),
  fetch,
  armUrl: base,
  timeoutMs: 5_000,
});

function outputs(endpoints: Record<string, unknown>): string {
  return JSON.stringify({ workspace: { name: "mlw-dev-weu" }, endpoints });
}

describe("smoke check", () => {
  it("calls each endpoint with its credentials: both keys, a token from the token action, an Entra ID token", async () => {
    const endpoints = parseStackOutputs(
      outputs({
        "credit-dev": { authMode: "Key", scoringUri: `${base}/key/score`, keys: { primaryKey: "key-1", secondaryKey: "key-2" } },
        "fraud-dev": { authMode: "AMLToken", scoringUri: `${base}/token/score`, tokenAccess: { endpointName: "fraud-dev", tokenPath: `${TOKEN_PATH}/token` } },
        "risk-dev": { authMode: "AADToken", scoringUri: `${base}/aad/score`, aadTokenAudience: "https://ml.azure.com" },
      }),
    );
    const results = await smokeCheck(endpoints, deps());
    expect(results.map((r) => [r.endpoint, r.credential, r.ok])).toEqual([
      ["credit-dev", "primary key", true],
      ["credit-dev", "secondary key", true],
      ["fraud-dev", "AML token", true],
      ["risk-dev", "Entra ID token", true],
    ]);
    expect(results[3]!.detail).toMatch(/^400: reached with the credential accepted; the model refused the placeholder request/);
    // a sample request must be answered
    const withSample = await smokeCheck({ "risk-dev": endpoints["risk-dev"]! }, deps(), { "risk-dev": { input_data: [] } });
    expect(withSample).toEqual([{ endpoint: "risk-dev", credential: "Entra ID token", ok: false, detail: "400: the model refused the sample request" }]);
    // no credential in any message
    expect(JSON.stringify(results)).not.toMatch(/key-1|key-2|aml-token|aad-token|arm-token/);
  });

  it("fails on a refused credential, a missing endpoint, a failing service and a token action that refuses", async () => {
    const endpoints = parseStackOutputs(
      outputs({
        "rotated-dev": { authMode: "Key", scoringUri: `${base}/rotated/score`, keys: { primaryKey: "key-1", secondaryKey: "stale" } },
        "gone-dev": { authMode: "Key", scoringUri: `${base}/gone/score`, keys: { primaryKey: "key-1", secondaryKey: "key-2" } },
        "broken-dev": { authMode: "AADToken", scoringUri: `${base}/broken/score` },
        "fraud-dev": { authMode: "AMLToken", scoringUri: `${base}/token/score`, tokenAccess: { tokenPath: `${TOKEN_PATH}/token` } },
      }),
    );
    const results = await smokeCheck(endpoints, { ...deps(), accessToken: async (resource) => (resource === ARM_RESOURCE ? "expired" : "aad-token") });
    expect(results.map((r) => `${r.ok ? "ok" : "FAIL"} ${r.endpoint} (${r.credential}): ${r.detail}`)).toEqual([
      "ok rotated-dev (primary key): 200: answered the placeholder request",
      "FAIL rotated-dev (secondary key): 401: the credential was refused",
      "FAIL gone-dev (primary key): 404: no such endpoint at " + `${base}/gone/score`,
      "FAIL gone-dev (secondary key): 404: no such endpoint at " + `${base}/gone/score`,
      "FAIL broken-dev (Entra ID token): 502: the service failed",
      "FAIL fraud-dev (AMLToken): cannot get credentials: the endpoint's token action answered 401",
    ]);
  });

  it("refuses stack outputs that do not describe endpoints, naming the field", () => {
    expect(() => parseStackOutputs(outputs({ "x-dev": { authMode: "Anonymous", scoringUri: "https://x" } }))).toThrow(/^stack outputs: endpoints\.x-dev\.authMode: /);
  });
});
