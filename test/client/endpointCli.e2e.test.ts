// End to end: `aml-webservices endpoint ...` as a child process, with the real Azure SDKs, against a
// fake Azure on 127.0.0.1 (fakes/): ARM, an Entra ID authority and scoring URIs over HTTPS.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { cliEnvironment, ROOT, runEndpointCli, type CliResult, type ServicePrincipal } from "./cliHarness";
import {
  CONFIGURED_KEYS,
  CONSUMER,
  ENTRA_ENDPOINT,
  INITIAL_KEYS,
  KEY_ENDPOINT,
  OPERATOR,
  OUTSIDER,
  RESOURCE_GROUP,
  SUBSCRIPTION,
  TOKEN_ENDPOINT,
  USER_OBJECT_ID,
  WEB_APP_CLIENT_ID,
  WORKSPACE,
  startFakeAzure,
  type FakeAzure,
} from "./fakes/fakeAzure";
import { SUPPORTED_API_VERSIONS } from "./fakes/fakeArm";

let azure: FakeAzure;
let dir: string;
let outputsFile: string;
let dataFile: string;

beforeAll(async () => {
  azure = await startFakeAzure();
  dir = mkdtempSync(path.join(tmpdir(), "aml-endpoint-cli-"));
  outputsFile = azure.writeStackOutputs(dir);
  dataFile = path.join(dir, "request.json");
  writeFileSync(dataFile, JSON.stringify({ data: [[1, 2, 3], [10, 20, 30]] }));
});

afterAll(async () => {
  await azure?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

beforeEach(() => {
  azure.endpoint(KEY_ENDPOINT).keys = { ...INITIAL_KEYS };
  azure.world.scoringFaults.length = 0;
  azure.world.scoringCalls.length = 0;
  azure.world.armRequests.length = 0;
  azure.arm.pendingPolls = 0;
});

/** The CLI against the fake Azure, signed in as `principal` (DefaultAzureCredential from the environment). */
function cli(args: string[], principal: ServicePrincipal | undefined = CONSUMER, onStderr?: (text: string) => void): Promise<CliResult> {
  const fakeCloud = ["--disable-instance-discovery", "--arm-endpoint", azure.arm.url];
  return runEndpointCli([...args, ...fakeCloud], cliEnvironment(azure, principal, dir), onStderr);
}

const withOutputs = (endpoint: string) => ["--outputs", outputsFile, "--endpoint", endpoint];
const withFlags = (endpoint: string) => ["--endpoint", endpoint, "--workspace", WORKSPACE, "--resource-group", RESOURCE_GROUP, "--subscription", SUBSCRIPTION];

/** Exit 1 with one `error:` line the user can act on, and no stack trace. */
function expectRefusal(result: CliResult, ...patterns: (string | RegExp)[]): void {
  expect(result.code, result.stderr).toBe(1);
  expect(result.stdout).toBe("");
  expect(result.stderr).toMatch(/^error: /);
  expect(result.stderr).not.toMatch(/^\s+at\s/m);
  for (const pattern of patterns) expect(result.stderr).toMatch(typeof pattern === "string" ? new RegExp(escape(pattern)) : pattern);
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

const consumerRole = (endpoint: string) => `aml-webservices ${endpoint} consumer (${RESOURCE_GROUP}, ${SUBSCRIPTION})`;
const endpointScope = (endpoint: string) =>
  `/subscriptions/${SUBSCRIPTION}/resourceGroups/${RESOURCE_GROUP}/providers/Microsoft.MachineLearningServices/workspaces/${WORKSPACE}/onlineEndpoints/${endpoint}`;

describe("the endpoint command's process", () => {
  it("runs from its bundle: it loads no TypeScript source and no tsx", async () => {
    const report = path.join(dir, "modules.json");
    const preload = path.join(ROOT, "test", "harness", "modulesLoadedLate.cjs");
    const result = await runEndpointCli(["--help"], { PATH: process.env.PATH, HOME: dir, NODE_OPTIONS: `--require ${preload}`, AML_TEST_LATE_MODULES: report });
    expect(result.code, result.stderr).toBe(0);
    const { loaded } = JSON.parse(readFileSync(report, "utf8")) as { loaded: string[] };
    expect(loaded.filter((file) => file.endsWith(".ts") || file.includes(`${path.sep}tsx${path.sep}`))).toEqual([]);
  });
});

describe("endpoint keys", () => {
  it("prints both keys masked, and in full with --show-secrets", async () => {
    const masked = await cli(["keys", ...withOutputs(KEY_ENDPOINT)]);
    expect(masked.code, masked.stderr).toBe(0);
    expect(masked.stdout).toContain(`primary    ${"*".repeat(INITIAL_KEYS.primaryKey.length - 4)}0001`);
    expect(masked.stdout).toContain("--show-secrets");
    expect(masked.stdout).not.toContain(INITIAL_KEYS.primaryKey);
    expect(masked.stdout).not.toContain(INITIAL_KEYS.secondaryKey);

    const shown = await cli(["keys", ...withOutputs(KEY_ENDPOINT), "--show-secrets", "--format", "json"]);
    expect(shown.code, shown.stderr).toBe(0);
    expect(JSON.parse(shown.stdout)).toEqual({ endpoint: KEY_ENDPOINT, authMode: "Key", masked: false, ...INITIAL_KEYS });
    expect(azure.world.armRequests.map((request) => request.apiVersion)).toEqual([SUPPORTED_API_VERSIONS[0], SUPPORTED_API_VERSIONS[0]]);
  });

  it("reads the auth mode from Azure when only flags are given, and names it for a token endpoint", async () => {
    const result = await cli(["keys", ...withFlags(ENTRA_ENDPOINT)]);
    expectRefusal(result, `endpoint '${ENTRA_ENDPOINT}' uses auth mode AADToken`, "keys exist only on endpoints with auth mode Key", "endpoint aad-token");
    expect(azure.world.armRequests.map((request) => `${request.method} ${path.basename(request.path)}`)).toEqual([`GET ${ENTRA_ENDPOINT}`]);
  });

  it("names the auth mode of an AML token endpoint without calling Azure", async () => {
    expectRefusal(await cli(["keys", ...withOutputs(TOKEN_ENDPOINT)]), `uses auth mode AMLToken`, "endpoint token");
    expect(azure.world.armRequests).toEqual([]);
  });

  it("names the consumer role and its scope when Azure refuses", async () => {
    const result = await cli(["keys", ...withOutputs(KEY_ENDPOINT)], OUTSIDER);
    expectRefusal(result, "403 AuthorizationFailed", consumerRole(KEY_ENDPOINT), endpointScope(KEY_ENDPOINT), "onlineEndpoints/listKeys/action", "credentialReaders");
  });

  it("names the endpoint and workspace it looked for when there is none", async () => {
    const result = await cli(["keys", ...withFlags("credit-score-prod"), "--auth-mode", "Key"], OPERATOR);
    expectRefusal(result, `endpoint 'credit-score-prod' was not found in workspace '${WORKSPACE}'`, `resource group '${RESOURCE_GROUP}'`, `subscription '${SUBSCRIPTION}'`);
  });
});

describe("endpoint rotate", () => {
  it("regenerates the secondary key with the configured value, then the primary, waiting for Azure each time", async () => {
    const secondary = await cli(["rotate", "--slot", "secondary", ...withOutputs(KEY_ENDPOINT)], OPERATOR);
    expect(secondary.code, secondary.stderr).toBe(0);
    expect(secondary.stdout).toContain("Regenerated the secondary key of endpoint credit-score-dev with the value configured in the stack");
    expect(azure.endpoint(KEY_ENDPOINT).keys).toEqual({ primaryKey: INITIAL_KEYS.primaryKey, secondaryKey: CONFIGURED_KEYS.secondaryKey });

    const primary = await cli(["rotate", "--slot", "primary", ...withOutputs(KEY_ENDPOINT), "--format", "json"], OPERATOR);
    expect(primary.code, primary.stderr).toBe(0);
    expect(JSON.parse(primary.stdout)).toEqual({ endpoint: KEY_ENDPOINT, slot: "primary", regenerated: true, value: "configured" });
    expect(azure.endpoint(KEY_ENDPOINT).keys).toEqual(CONFIGURED_KEYS);
    // Each rotation: the POST, answered 202, then a poll of its Location until done.
    expect(azure.world.armRequests.map((request) => `${request.method} ${path.basename(request.path)}`)).toEqual([
      "POST regenerateKeys",
      expect.stringMatching(/^GET operation-/),
      "POST regenerateKeys",
      expect.stringMatching(/^GET operation-/),
    ]);
  });

  it("lets Azure pick the value without stack outputs, and keeps polling while the operation runs", async () => {
    azure.arm.pendingPolls = 1;
    const result = await cli(["rotate", "--slot", "primary", ...withFlags(KEY_ENDPOINT), "--auth-mode", "Key"], OPERATOR);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain("with a value Azure generated");
    expect(azure.endpoint(KEY_ENDPOINT).keys?.primaryKey).toMatch(/^generated-primary-\d+$/);
    expect(azure.endpoint(KEY_ENDPOINT).keys?.secondaryKey).toBe(INITIAL_KEYS.secondaryKey);
    expect(azure.world.armRequests.filter((request) => request.method === "GET")).toHaveLength(2);
  });

  it("says that the consumer role leaves rotation out when a consumer tries", async () => {
    const result = await cli(["rotate", "--slot", "secondary", ...withOutputs(KEY_ENDPOINT)], CONSUMER);
    expectRefusal(result, "403 AuthorizationFailed", "onlineEndpoints/regenerateKeys/action", "consumer role leaves out on purpose", endpointScope(KEY_ENDPOINT));
    expect(azure.endpoint(KEY_ENDPOINT).keys).toEqual(INITIAL_KEYS);
  });

  it("names the auth mode of a token endpoint, and needs --slot", async () => {
    expectRefusal(await cli(["rotate", "--slot", "primary", ...withOutputs(TOKEN_ENDPOINT)], OPERATOR), "uses auth mode AMLToken", "regenerating a key does not apply");
    const noSlot = await cli(["rotate", ...withOutputs(KEY_ENDPOINT)], OPERATOR);
    expect(noSlot.code).toBe(2);
    expect(noSlot.stderr).toMatch(/^error: endpoint rotate needs --slot primary or --slot secondary/);
  });
});

describe("endpoint token", () => {
  it("fetches an AML token with its expiry and refresh-after times", async () => {
    const before = Math.floor(Date.now() / 1000);
    const result = await cli(["token", ...withOutputs(TOKEN_ENDPOINT), "--format", "json"]);
    expect(result.code, result.stderr).toBe(0);
    const token = JSON.parse(result.stdout) as { accessToken: string; expiresOn: string; refreshAfter: string; tokenType: string };
    expect(azure.world.amlTokens.get(token.accessToken)?.endpoint).toBe(TOKEN_ENDPOINT);
    const seconds = (iso: string) => Date.parse(iso) / 1000 - before;
    expect(seconds(token.refreshAfter)).toBeGreaterThanOrEqual(azure.world.amlTokenTimes.refreshAfterSeconds - 1);
    expect(seconds(token.expiresOn) - seconds(token.refreshAfter)).toBe(azure.world.amlTokenTimes.expirySeconds - azure.world.amlTokenTimes.refreshAfterSeconds);
    expect(token.tokenType).toBe("Bearer");
  });

  it("names the auth mode of a key endpoint, and the role when Azure refuses", async () => {
    expectRefusal(await cli(["token", ...withOutputs(KEY_ENDPOINT)]), "uses auth mode Key", "AML tokens exist only on endpoints with auth mode AMLToken", "endpoint keys");
    expectRefusal(await cli(["token", ...withOutputs(TOKEN_ENDPOINT)], OUTSIDER), consumerRole(TOKEN_ENDPOINT), "onlineEndpoints/token/action", endpointScope(TOKEN_ENDPOINT));
  });
});

describe("endpoint aad-token", () => {
  it("signs in with a device code and the stack's client context, for the web app's resource", async () => {
    const approved = new Set<string>();
    const result = await cli(["aad-token", "--outputs", outputsFile, "--format", "json"], undefined, (stderr) => {
      // Act as the user: read the code from the prompt and enter it at the verification page.
      const code = /enter the code (\S+) to authenticate/.exec(stderr)?.[1];
      if (code && !approved.has(code)) {
        approved.add(code);
        azure.entra.approve(code, USER_OBJECT_ID);
      }
    });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain(`${azure.entra.url}/devicelogin`);
    const token = JSON.parse(result.stdout) as { audience: string; accessToken: string };
    expect(token.audience).toBe(WEB_APP_CLIENT_ID);
    expect(azure.world.entraTokens.get(token.accessToken)).toMatchObject({ objectId: USER_OBJECT_ID, audience: WEB_APP_CLIENT_ID });
  });

  it("gets a token for https://ml.azure.com for an AADToken endpoint with DefaultAzureCredential", async () => {
    const result = await cli(["aad-token", ...withOutputs(ENTRA_ENDPOINT), "--credential", "default", "--format", "json"]);
    expect(result.code, result.stderr).toBe(0);
    const token = JSON.parse(result.stdout) as { audience: string; accessToken: string };
    expect(token.audience).toBe("https://ml.azure.com");
    expect(azure.world.entraTokens.get(token.accessToken)).toMatchObject({ objectId: CONSUMER.objectId, audience: "https://ml.azure.com" });
  });

  it("names the auth mode of an endpoint that takes no Entra ID tokens", async () => {
    expectRefusal(await cli(["aad-token", ...withOutputs(KEY_ENDPOINT), "--credential", "default"]), "uses auth mode Key", "Entra ID scoring tokens apply only to endpoints with auth mode AADToken");
  });
});

describe("endpoint invoke", () => {
  const lastAuthorization = () => azure.world.scoringCalls.at(-1)?.authorization;

  it("sends the primary key to a key endpoint", async () => {
    const result = await cli(["invoke", ...withOutputs(KEY_ENDPOINT), "--data", dataFile]);
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ predictions: [6, 60] });
    expect(lastAuthorization()).toBe(`Bearer ${INITIAL_KEYS.primaryKey}`);
  });

  it("sends a fresh AML token to an AML token endpoint", async () => {
    const result = await cli(["invoke", ...withOutputs(TOKEN_ENDPOINT), "--data", dataFile, "--format", "json"]);
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ endpoint: TOKEN_ENDPOINT, status: 200, attempts: 1, body: { predictions: [6, 60] } });
    const token = lastAuthorization()?.replace(/^Bearer /, "") ?? "";
    expect(azure.world.amlTokens.get(token)?.endpoint).toBe(TOKEN_ENDPOINT);
  });

  it("sends an Entra ID token for https://ml.azure.com to an AADToken endpoint", async () => {
    const result = await cli(["invoke", ...withOutputs(ENTRA_ENDPOINT), "--data", dataFile]);
    expect(result.code, result.stderr).toBe(0);
    const token = lastAuthorization()?.replace(/^Bearer /, "") ?? "";
    expect(azure.world.entraTokens.get(token)).toMatchObject({ objectId: CONSUMER.objectId, audience: "https://ml.azure.com" });
  });

  it("names the role with score/action when an AADToken endpoint refuses the caller", async () => {
    const result = await cli(["invoke", ...withOutputs(ENTRA_ENDPOINT), "--data", dataFile], OUTSIDER);
    expectRefusal(result, `endpoint '${ENTRA_ENDPOINT}' refused the Entra ID token (403)`, "onlineEndpoints/score/action", consumerRole(ENTRA_ENDPOINT));
  });

  it("retries 503 and 429, waiting as long as Retry-After asks", async () => {
    azure.world.scoringFaults.push({ status: 503, retryAfterSeconds: 1 }, { status: 429 });
    const result = await cli(["invoke", ...withOutputs(KEY_ENDPOINT), "--data", dataFile, "--format", "json"]);
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ status: 200, attempts: 3 });
    const [first, second, third] = azure.world.scoringCalls;
    expect([first?.status, second?.status, third?.status]).toEqual([503, 429, 200]);
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(1000);
  });

  it("stops after the retry limit, or when Retry-After asks for more than the longest wait", async () => {
    azure.world.scoringFaults.push({ status: 503, retryAfterSeconds: 0 }, { status: 503, retryAfterSeconds: 0 });
    expectRefusal(await cli(["invoke", ...withOutputs(KEY_ENDPOINT), "--data", dataFile, "--max-retries", "1"]), `endpoint '${KEY_ENDPOINT}' still answered 503 after 2 attempts`);
    azure.world.scoringFaults.length = 0;
    azure.world.scoringFaults.push({ status: 429, retryAfterSeconds: 120 });
    expectRefusal(await cli(["invoke", ...withOutputs(KEY_ENDPOINT), "--data", dataFile, "--max-retry-delay", "5"]), "asked to retry after 120 s, longer than the longest wait of 5 s");
  });

  it("needs --data, and refuses unknown options with exit 2", async () => {
    const noData = await cli(["invoke", ...withOutputs(KEY_ENDPOINT)]);
    expect(noData.code).toBe(2);
    expect(noData.stderr).toMatch(/^error: endpoint invoke needs --data <file>/);
    const unknown = await cli(["invoke", "--dta", dataFile]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^error: .*--dta/);
  });
});

describe("a command on an endpoint of another auth mode", () => {
  it.each([
    ["rotate", ENTRA_ENDPOINT, "AADToken", ["--slot", "primary"]],
    ["token", ENTRA_ENDPOINT, "AADToken", []],
    ["aad-token", TOKEN_ENDPOINT, "AMLToken", ["--credential", "default"]],
  ])("endpoint %s on %s names its auth mode %s", async (command, endpoint, authMode, extra) => {
    expectRefusal(await cli([command, ...withOutputs(endpoint), ...extra], OPERATOR), `endpoint '${endpoint}' uses auth mode ${authMode}`);
    expect(azure.world.armRequests).toEqual([]);
  });
});

describe("endpoint --help", () => {
  it("lists the commands, and refuses an unknown one with exit 2", async () => {
    const help = await cli(["--help"]);
    expect(help.code).toBe(0);
    for (const command of ["keys", "rotate", "token", "aad-token", "invoke"]) expect(help.stdout).toMatch(new RegExp(`^  ${command} `, "m"));
    const unknown = await cli(["regen"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^error: unknown endpoint command 'regen': one of keys, rotate, token, aad-token, invoke/);
  });
});
