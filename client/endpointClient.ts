import { AzureMachineLearningWorkspaces } from "@azure/arm-machinelearning";
import type { TokenCredential } from "@azure/core-auth";
import type { CommonClientOptions } from "@azure/core-client";
import {
  createDefaultHttpClient,
  createHttpHeaders,
  createPipelineFromOptions,
  createPipelineRequest,
  type HttpClient,
  type Pipeline,
  type PipelineResponse,
} from "@azure/core-rest-pipeline";
import { ENDPOINT_AUTH_MODES, type EndpointAuthMode, type EndpointCoordinates } from "./endpointCoordinates";
import { EndpointClientError } from "./errors";
import { describeFailure, missingRoleAdvice, type EndpointOperation } from "./failures";
import { backoffMs, DEFAULT_RETRY_POLICY, RETRIABLE_STATUSES, retryAfterMs, type RetryPolicy } from "./retryPolicy";

export const DEFAULT_ARM_ENDPOINT = "https://management.azure.com";
/** The audience of Entra ID tokens that AADToken endpoints accept (azure-ai-docs how-to-authenticate-online-endpoint). */
export const ENTRA_SCORING_AUDIENCE = "https://ml.azure.com";

export type KeySlot = "primary" | "secondary";
export const KEY_SLOTS: readonly KeySlot[] = ["primary", "secondary"];

export interface EndpointKeys {
  readonly primaryKey: string;
  readonly secondaryKey: string;
}

/** An AML token: v1's get_token() with its refresh_by time. */
export interface EndpointToken {
  readonly accessToken: string;
  readonly expiresOn: Date;
  /** Fetch a new token after this time (v1's refresh_by). */
  readonly refreshAfter: Date;
}

/** An Entra ID access token for an AADToken endpoint. */
export interface EntraToken {
  readonly accessToken: string;
  readonly expiresOn: Date;
  readonly refreshAfter?: Date;
}

export interface InvokeOptions {
  /** Default "application/json". */
  readonly contentType?: string;
  /** Key endpoints: which key to send. Default "primary". */
  readonly keySlot?: KeySlot;
  /** Send the request to this deployment instead of following the endpoint's traffic. */
  readonly deployment?: string;
}

export interface InvokeResult {
  readonly status: number;
  readonly contentType?: string;
  readonly body: string;
  /** Attempts made, 1 when the first one succeeded. */
  readonly attempts: number;
}

export interface EndpointClientOptions {
  /** Any Entra ID credential: it signs ARM calls and, for AADToken endpoints, the scoring calls. */
  readonly credential: TokenCredential;
  /** Default https://management.azure.com; another cloud's Resource Manager otherwise. */
  readonly armEndpoint?: string;
  /** Pipeline options for every HTTP call (ARM and scoring), e.g. an https agent or a proxy. */
  readonly clientOptions?: CommonClientOptions;
  /** Retries of scoring calls answered with 429 or 503. */
  readonly retry?: Partial<RetryPolicy>;
  /** Default https://ml.azure.com. */
  readonly scoringAudience?: string;
  /** The clock that decides when an AML token is refreshed. Default Date.now. */
  readonly now?: () => number;
  /** How the client waits between retries. Default a timer. */
  readonly sleep?: (ms: number) => Promise<void>;
}

interface EndpointState {
  readonly authMode: EndpointAuthMode;
  readonly scoringUri: string;
}

const ALTERNATIVES: Record<EndpointAuthMode, string> = {
  Key: "use its keys (`endpoint keys`, EndpointClient.listKeys)",
  AMLToken: "fetch an AML token (`endpoint token`, EndpointClient.getToken)",
  AADToken: "use an Entra ID token for https://ml.azure.com (`endpoint aad-token --endpoint <name>`, EndpointClient.getEntraToken)",
};

const WHAT_NEEDS: Record<EndpointAuthMode, string> = {
  Key: "keys exist only on endpoints with auth mode Key",
  AMLToken: "AML tokens exist only on endpoints with auth mode AMLToken",
  AADToken: "Entra ID scoring tokens apply only to endpoints with auth mode AADToken",
};

/**
 * One online endpoint: its keys, key rotation, AML tokens and scoring calls, the successor of the v1
 * SDK's Webservice (`get_keys`, `regen_key`, `get_token`, `run`). Control-plane calls go through
 * `@azure/arm-machinelearning`; scoring sends the header the endpoint's auth mode takes.
 */
export class EndpointClient {
  private readonly retry: RetryPolicy;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private armClient?: AzureMachineLearningWorkspaces;
  private state?: Promise<EndpointState>;
  private cachedToken?: EndpointToken;
  private cachedKeys?: EndpointKeys;
  private scoringPipeline?: { pipeline: Pipeline; httpClient: HttpClient };

  constructor(
    readonly coordinates: EndpointCoordinates,
    private readonly options: EndpointClientOptions,
  ) {
    this.retry = { ...DEFAULT_RETRY_POLICY, ...options.retry };
    for (const [name, value] of Object.entries(this.retry)) {
      if (!Number.isFinite(value) || value < 0) throw new EndpointClientError(`retry.${name} must be a number from 0 up, got ${value}`, "usage");
    }
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  /** The endpoint's auth mode, from the coordinates or read from Azure. */
  async authMode(): Promise<EndpointAuthMode> {
    return this.coordinates.authMode ?? (await this.endpointState()).authMode;
  }

  /** The endpoint's scoring URI, from the coordinates or read from Azure. */
  async scoringUri(): Promise<string> {
    return this.coordinates.scoringUri ?? (await this.endpointState()).scoringUri;
  }

  /** The endpoint's two keys (v1 `get_keys()`). Key endpoints only. */
  async listKeys(): Promise<EndpointKeys> {
    await this.requireMode("Key", "listing keys");
    const { resourceGroupName, workspaceName, endpointName } = this.coordinates;
    const keys = await this.control("listKeys", (arm) => arm.onlineEndpoints.listKeys(resourceGroupName, workspaceName, endpointName));
    if (!keys.primaryKey || !keys.secondaryKey) throw new EndpointClientError(`Azure returned no keys for endpoint '${endpointName}'`, "service");
    this.cachedKeys = { primaryKey: keys.primaryKey, secondaryKey: keys.secondaryKey };
    return this.cachedKeys;
  }

  /**
   * Regenerates one key (v1 `regen_key("Primary" | "Secondary")`) and waits until Azure finishes.
   * With `value`, the key becomes that value (the stack's configured secret); without, Azure picks one.
   */
  async regenerateKey(slot: KeySlot, value?: string): Promise<void> {
    if (!KEY_SLOTS.includes(slot)) throw new EndpointClientError(`slot must be one of ${KEY_SLOTS.join(", ")}, got '${slot}'`, "usage");
    if (value !== undefined && value.trim() === "") throw new EndpointClientError(`the new ${slot} key value is empty`, "usage");
    await this.requireMode("Key", "regenerating a key");
    const { resourceGroupName, workspaceName, endpointName } = this.coordinates;
    const body = { keyType: slot === "primary" ? "Primary" : "Secondary", ...(value !== undefined ? { keyValue: value } : {}) };
    await this.control("regenerateKeys", (arm) => arm.onlineEndpoints.beginRegenerateKeysAndWait(resourceGroupName, workspaceName, endpointName, body));
    this.cachedKeys = undefined;
  }

  /** A new AML token (v1 `get_token()`), with its expiry and refresh-after (v1 `refresh_by`) times. */
  async getToken(): Promise<EndpointToken> {
    await this.requireMode("AMLToken", "fetching an AML token");
    const { resourceGroupName, workspaceName, endpointName } = this.coordinates;
    const token = await this.control("token", (arm) => arm.onlineEndpoints.getToken(resourceGroupName, workspaceName, endpointName));
    if (!token.accessToken || token.expiryTimeUtc === undefined) throw new EndpointClientError(`Azure returned no token for endpoint '${endpointName}'`, "service");
    // expiryTimeUtc and refreshAfterTimeUtc are Unix times in seconds (int64 in the REST spec).
    const expiresOn = new Date(token.expiryTimeUtc * 1000);
    const refreshAfter = token.refreshAfterTimeUtc !== undefined ? new Date(token.refreshAfterTimeUtc * 1000) : expiresOn;
    this.cachedToken = { accessToken: token.accessToken, expiresOn, refreshAfter };
    return this.cachedToken;
  }

  /** An Entra ID token for the scoring audience, from the client's credential. AADToken endpoints only. */
  async getEntraToken(): Promise<EntraToken> {
    await this.requireMode("AADToken", "fetching an Entra ID scoring token");
    return this.entraToken();
  }

  /**
   * Calls the endpoint's scoring URI with the header its auth mode takes: a key, an AML token
   * (fetched again once its refresh-after time has passed) or an Entra ID token. Retries 429 and
   * 503 with backoff, honouring Retry-After, within the retry policy.
   */
  async invoke(payload: string | object, options: InvokeOptions = {}): Promise<InvokeResult> {
    const authMode = await this.authMode();
    const scoringUri = await this.scoringUri();
    const body = typeof payload === "string" ? payload : JSON.stringify(payload);
    const { pipeline, httpClient } = this.scoring();
    for (let attempt = 1; ; attempt++) {
      const headers = createHttpHeaders({
        "Content-Type": options.contentType ?? "application/json",
        Authorization: `Bearer ${await this.scoringCredential(authMode, options.keySlot ?? "primary")}`,
        ...(options.deployment ? { "azureml-model-deployment": options.deployment } : {}),
      });
      const request = createPipelineRequest({ url: scoringUri, method: "POST", body, headers, allowInsecureConnection: this.options.clientOptions?.allowInsecureConnection ?? false });
      let response: PipelineResponse;
      try {
        response = await pipeline.sendRequest(httpClient, request);
      } catch (error) {
        throw new EndpointClientError(`could not reach the scoring URI ${scoringUri} of endpoint '${this.coordinates.endpointName}': ${(error as Error).message}`, "service");
      }
      const status = response.status;
      if (RETRIABLE_STATUSES.has(status)) {
        const retry = attempt - 1;
        if (retry >= this.retry.maxRetries) {
          throw new EndpointClientError(`endpoint '${this.coordinates.endpointName}' still answered ${status} after ${attempt} attempts; try again later or raise the retry limit`, "throttled", status);
        }
        const delay = backoffMs(this.retry, retry, retryAfterMs(response.headers.get("retry-after"), this.now()));
        if (delay > this.retry.maxDelayMs) {
          throw new EndpointClientError(`endpoint '${this.coordinates.endpointName}' answered ${status} and asked to retry after ${Math.ceil(delay / 1000)} s, longer than the longest wait of ${Math.ceil(this.retry.maxDelayMs / 1000)} s; try again later`, "throttled", status);
        }
        await this.sleep(delay);
        continue;
      }
      if (status === 401 || status === 403) throw this.scoringRefused(authMode, status);
      const result = { status, body: response.bodyAsText ?? "", attempts: attempt, ...(response.headers.get("content-type") ? { contentType: response.headers.get("content-type")! } : {}) };
      if (status >= 200 && status < 300) return result;
      throw new EndpointClientError(`endpoint '${this.coordinates.endpointName}' answered ${status}: ${result.body.slice(0, 500)}`, "service", status);
    }
  }

  private async scoringCredential(authMode: EndpointAuthMode, slot: KeySlot): Promise<string> {
    switch (authMode) {
      case "Key": {
        const keys = this.cachedKeys ?? (await this.listKeys());
        return slot === "primary" ? keys.primaryKey : keys.secondaryKey;
      }
      case "AMLToken": {
        const cached = this.cachedToken;
        const token = cached && this.now() < cached.refreshAfter.getTime() ? cached : await this.getToken();
        return token.accessToken;
      }
      case "AADToken":
        return (await this.entraToken()).accessToken;
    }
  }

  private scoringRefused(authMode: EndpointAuthMode, status: number): EndpointClientError {
    const name = this.coordinates.endpointName;
    if (authMode === "AADToken") {
      return new EndpointClientError(`endpoint '${name}' refused the Entra ID token (${status}): ${missingRoleAdvice("score", this.coordinates)}`, "forbidden", status);
    }
    const credential = authMode === "Key" ? "key (it may have been regenerated; `endpoint keys` reads the current ones)" : "AML token (it may have expired; `endpoint token` fetches a new one)";
    return new EndpointClientError(`endpoint '${name}' refused the ${credential} (${status})`, "credential-refused", status);
  }

  private async entraToken(): Promise<EntraToken> {
    const audience = this.options.scoringAudience ?? ENTRA_SCORING_AUDIENCE;
    let token;
    try {
      token = await this.options.credential.getToken(`${audience}/.default`);
    } catch (error) {
      throw describeFailure(error, "score", this.coordinates);
    }
    if (!token) throw new EndpointClientError(`the credential returned no Entra ID token for ${audience}`, "credential-refused");
    return {
      accessToken: token.token,
      expiresOn: new Date(token.expiresOnTimestamp),
      ...(token.refreshAfterTimestamp !== undefined ? { refreshAfter: new Date(token.refreshAfterTimestamp) } : {}),
    };
  }

  private async requireMode(expected: EndpointAuthMode, doing: string): Promise<void> {
    const actual = await this.authMode();
    if (actual === expected) return;
    throw new EndpointClientError(
      `endpoint '${this.coordinates.endpointName}' uses auth mode ${actual}, so ${doing} does not apply: ${WHAT_NEEDS[expected]}; ${ALTERNATIVES[actual]}`,
      "auth-mode",
    );
  }

  private endpointState(): Promise<EndpointState> {
    this.state ??= this.readEndpoint();
    return this.state;
  }

  private async readEndpoint(): Promise<EndpointState> {
    const { resourceGroupName, workspaceName, endpointName } = this.coordinates;
    const endpoint = await this.control("read", (arm) => arm.onlineEndpoints.get(resourceGroupName, workspaceName, endpointName));
    const authMode = ENDPOINT_AUTH_MODES.find((mode) => mode.toLowerCase() === endpoint.properties.authMode.toLowerCase());
    if (!authMode) throw new EndpointClientError(`endpoint '${endpointName}' has auth mode '${endpoint.properties.authMode}', which this client does not know`, "service");
    return { authMode, scoringUri: endpoint.properties.scoringUri ?? "" };
  }

  private async control<T>(operation: EndpointOperation, call: (arm: AzureMachineLearningWorkspaces) => Promise<T>): Promise<T> {
    try {
      return await call(this.arm());
    } catch (error) {
      throw describeFailure(error, operation, this.coordinates);
    }
  }

  private arm(): AzureMachineLearningWorkspaces {
    if (this.armClient) return this.armClient;
    const { subscriptionId, endpointName } = this.coordinates;
    if (!subscriptionId) {
      throw new EndpointClientError(
        `the subscription of endpoint '${endpointName}' is unknown: pass --subscription (subscriptionId), or stack outputs that carry it (key and AML-token endpoints do)`,
        "usage",
      );
    }
    const endpoint = (this.options.armEndpoint ?? DEFAULT_ARM_ENDPOINT).replace(/\/+$/, "");
    this.armClient = new AzureMachineLearningWorkspaces(this.options.credential, subscriptionId, { ...this.options.clientOptions, endpoint, $host: endpoint });
    return this.armClient;
  }

  private scoring(): { pipeline: Pipeline; httpClient: HttpClient } {
    if (this.scoringPipeline) return this.scoringPipeline;
    const { additionalPolicies, httpClient, ...pipelineOptions } = this.options.clientOptions ?? {};
    // The client retries itself, so that a retry fetches a fresh AML token when one is due.
    const pipeline = createPipelineFromOptions({ ...pipelineOptions, retryOptions: { maxRetries: 0 } });
    for (const { policy, position } of additionalPolicies ?? []) {
      pipeline.addPolicy(policy, position === "perRetry" ? { afterPhase: "Retry" } : {});
    }
    this.scoringPipeline = { pipeline, httpClient: httpClient ?? createDefaultHttpClient() };
    return this.scoringPipeline;
  }
}
