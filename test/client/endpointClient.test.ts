// The typed client in-process, with the real Azure SDKs, against the fake Azure on 127.0.0.1. The
// self-signed certificate is trusted through the SDKs' documented `agent` pipeline option; the
// client's clock and sleep are injected, so refresh-after and backoff are checked without waiting.
import { Agent } from "node:https";
import { ClientSecretCredential } from "@azure/identity";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { EndpointClient, EndpointClientError, type EndpointClientOptions, type EndpointCoordinates } from "../../client";
import {
  CONFIGURED_KEYS,
  CONSUMER,
  ENTRA_ENDPOINT,
  INITIAL_KEYS,
  KEY_ENDPOINT,
  OPERATOR,
  RESOURCE_GROUP,
  SUBSCRIPTION,
  TENANT,
  TOKEN_ENDPOINT,
  WORKSPACE,
  startFakeAzure,
  type FakeAzure,
} from "./fakes/fakeAzure";
import { scoringUriOf } from "./fakes/fakeArm";

let azure: FakeAzure;
let agent: Agent;

beforeAll(async () => {
  azure = await startFakeAzure();
  agent = new Agent({ ca: azure.tls.cert });
});

afterAll(async () => {
  agent?.destroy();
  await azure?.close();
});

beforeEach(() => {
  azure.endpoint(KEY_ENDPOINT).keys = { ...INITIAL_KEYS };
  azure.world.scoringFaults.length = 0;
  azure.world.scoringCalls.length = 0;
  azure.world.armRequests.length = 0;
  azure.world.amlTokenTimes = { refreshAfterSeconds: 1800, expirySeconds: 3600 };
});

function coordinates(endpointName: string): EndpointCoordinates {
  return { endpointName, workspaceName: WORKSPACE, resourceGroupName: RESOURCE_GROUP, subscriptionId: SUBSCRIPTION };
}

function client(endpointName: string, principal = CONSUMER, options: Partial<EndpointClientOptions> = {}): EndpointClient {
  const credential = new ClientSecretCredential(TENANT, principal.clientId, principal.secret, { authorityHost: azure.entra.url, disableInstanceDiscovery: true, agent });
  return new EndpointClient(coordinates(endpointName), { credential, armEndpoint: azure.arm.url, clientOptions: { agent }, ...options });
}

const payload = { data: [[1, 2], [3, 4]] };

describe("EndpointClient", () => {
  it("reads the auth mode and scoring URI from Azure when the coordinates do not give them", async () => {
    const endpoint = client(KEY_ENDPOINT);
    expect(await endpoint.authMode()).toBe("Key");
    expect(await endpoint.scoringUri()).toBe(scoringUriOf(azure.endpoint(KEY_ENDPOINT), azure.scoring.url));
    expect(azure.world.armRequests).toHaveLength(1);
  });

  it("regenerates each slot, with a given value or one Azure picks, and lists the new keys", async () => {
    const operator = client(KEY_ENDPOINT, OPERATOR);
    await operator.regenerateKey("secondary", CONFIGURED_KEYS.secondaryKey);
    expect(await operator.listKeys()).toEqual({ primaryKey: INITIAL_KEYS.primaryKey, secondaryKey: CONFIGURED_KEYS.secondaryKey });
    await operator.regenerateKey("primary");
    const keys = await operator.listKeys();
    expect(keys.primaryKey).toMatch(/^generated-primary-\d+$/);
    expect(keys.secondaryKey).toBe(CONFIGURED_KEYS.secondaryKey);
  });

  it("keeps an AML token until its refresh-after time, then fetches a new one", async () => {
    azure.world.amlTokenTimes = { refreshAfterSeconds: 600, expirySeconds: 1200 };
    let skew = 0;
    const endpoint = client(TOKEN_ENDPOINT, CONSUMER, { now: () => Date.now() + skew });
    const tokenRequests = () => azure.world.armRequests.filter((request) => request.path.endsWith("/token")).length;

    await endpoint.invoke(payload);
    await endpoint.invoke(payload);
    expect(tokenRequests()).toBe(1);
    const [first, second] = azure.world.scoringCalls.map((call) => call.authorization);
    expect(second).toBe(first);

    skew = 601_000; // past refresh-after, still before expiry
    const result = await endpoint.invoke(payload);
    expect(result.status).toBe(200);
    expect(tokenRequests()).toBe(2);
    const third = azure.world.scoringCalls.at(-1)?.authorization;
    expect(third).not.toBe(first);
    expect(azure.world.amlTokens.has(third!.replace(/^Bearer /, ""))).toBe(true);
  });

  it("returns the token's times as v1's get_token did: expiry and refresh-after (refresh_by)", async () => {
    azure.world.amlTokenTimes = { refreshAfterSeconds: 300, expirySeconds: 900 };
    const token = await client(TOKEN_ENDPOINT).getToken();
    expect((token.expiresOn.getTime() - token.refreshAfter.getTime()) / 1000).toBe(600);
    expect(azure.world.amlTokens.get(token.accessToken)?.expiresAt).toBe(token.expiresOn.getTime());
  });

  it("backs off exponentially without Retry-After and waits as long as Retry-After asks", async () => {
    const waits: number[] = [];
    const endpoint = client(KEY_ENDPOINT, CONSUMER, {
      retry: { maxRetries: 3, baseDelayMs: 100, maxDelayMs: 10_000 },
      sleep: async (ms) => void waits.push(ms),
    });
    azure.world.scoringFaults.push({ status: 503 }, { status: 429 }, { status: 429, retryAfterSeconds: 7 });
    const result = await endpoint.invoke(payload);
    expect(result).toMatchObject({ status: 200, attempts: 4 });
    expect(waits).toEqual([100, 200, 7000]);
  });

  it("gives up after maxRetries with a throttled error", async () => {
    const endpoint = client(KEY_ENDPOINT, CONSUMER, { retry: { maxRetries: 2, baseDelayMs: 1 }, sleep: async () => undefined });
    azure.world.scoringFaults.push({ status: 503 }, { status: 503 }, { status: 503 });
    await expect(endpoint.invoke(payload)).rejects.toMatchObject({ kind: "throttled", statusCode: 503 });
    expect(azure.world.scoringCalls).toHaveLength(3);
  });

  it("sends the secondary key when asked, and the current key after a rotation", async () => {
    const endpoint = client(KEY_ENDPOINT, OPERATOR);
    await endpoint.invoke(payload, { keySlot: "secondary" });
    expect(azure.world.scoringCalls.at(-1)?.authorization).toBe(`Bearer ${INITIAL_KEYS.secondaryKey}`);
    await endpoint.regenerateKey("primary", CONFIGURED_KEYS.primaryKey);
    await endpoint.invoke(payload);
    expect(azure.world.scoringCalls.at(-1)?.authorization).toBe(`Bearer ${CONFIGURED_KEYS.primaryKey}`);
  });

  it("fails with kinds a program can branch on", async () => {
    const wrongMode = client(ENTRA_ENDPOINT).listKeys();
    await expect(wrongMode).rejects.toBeInstanceOf(EndpointClientError);
    await expect(wrongMode).rejects.toMatchObject({ kind: "auth-mode" });
    await expect(client("missing-endpoint", OPERATOR).authMode()).rejects.toMatchObject({ kind: "not-found", statusCode: 404 });
    await expect(client(TOKEN_ENDPOINT, OPERATOR).getToken()).rejects.toMatchObject({ kind: "forbidden", statusCode: 403 });
    const noSubscription = new EndpointClient({ endpointName: KEY_ENDPOINT, workspaceName: WORKSPACE, resourceGroupName: RESOURCE_GROUP }, { credential: { getToken: async () => null } });
    await expect(noSubscription.listKeys()).rejects.toMatchObject({ kind: "usage", message: expect.stringContaining("--subscription") });
  });
});
