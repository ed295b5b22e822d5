import { FakeService } from "./fakeService";
import { jsonBody, type FakeRequest, type FakeResponse } from "./httpsServer";
import type { TlsCertificate } from "./tlsCertificate";
import type { FakeAzureWorld, FakeEndpoint } from "./world";

/**
 * Online endpoints' scoring URIs. Each endpoint checks `Authorization: Bearer <credential>` the way its
 * auth mode does (azure-ai-docs articles/machine-learning/how-to-authenticate-online-endpoint.md,
 * "Score data using the key or token"): one of its two current keys; an AML token issued for it and
 * not expired; or an Entra ID token for https://ml.azure.com whose principal holds
 * onlineEndpoints/score/action at the endpoint's scope.
 */
export const ENTRA_SCORING_AUDIENCE = "https://ml.azure.com";
const SCORE_ACTION = "Microsoft.MachineLearningServices/workspaces/onlineEndpoints/score/action";

export class FakeScoring extends FakeService {
  constructor(private readonly world: FakeAzureWorld) {
    super();
  }

  override async start(tls: TlsCertificate): Promise<void> {
    await super.start(tls);
    this.world.scoringBase = this.url;
  }

  protected handle(request: FakeRequest): FakeResponse {
    const name = /^\/([^/]+)\/score$/.exec(request.url.pathname)?.[1];
    const endpoint = this.world.endpoints.find((candidate) => candidate.name === name);
    const response = this.answer(request, endpoint);
    this.world.scoringCalls.push({ endpoint: name ?? "", authorization: request.headers.authorization, status: response.status, at: Date.now() });
    return response;
  }

  private answer(request: FakeRequest, endpoint: FakeEndpoint | undefined): FakeResponse {
    if (!endpoint || request.method !== "POST") return { status: 404, body: "No such endpoint" };
    const fault = this.world.scoringFaults.shift();
    if (fault) {
      return { status: fault.status, headers: fault.retryAfterSeconds !== undefined ? { "retry-after": String(fault.retryAfterSeconds) } : {}, body: fault.status === 429 ? "Too many requests" : "Service unavailable" };
    }
    const refusal = this.refusal(endpoint, request.headers.authorization);
    if (refusal) return refusal;
    const input = jsonBody(request) as { data?: unknown } | undefined;
    if (!input || !Array.isArray(input.data)) return { status: 400, body: { error: 'expected JSON {"data": [[...], ...]}' } };
    // A stand-in model: the sum of each row.
    const predictions = input.data.map((row: unknown) => (Array.isArray(row) ? row.reduce((sum: number, value: unknown) => sum + Number(value), 0) : null));
    return { status: 200, body: { predictions } };
  }

  private refusal(endpoint: FakeEndpoint, authorization: string | undefined): FakeResponse | undefined {
    const credential = /^Bearer (.+)$/.exec(authorization ?? "")?.[1];
    if (!credential) return { status: 401, body: "Authorization header missing or not a bearer credential" };
    switch (endpoint.authMode) {
      case "Key":
        return credential === endpoint.keys?.primaryKey || credential === endpoint.keys?.secondaryKey ? undefined : { status: 401, body: "Invalid key" };
      case "AMLToken": {
        const issued = this.world.amlTokens.get(credential);
        return issued && issued.endpoint === endpoint.name && issued.expiresAt > Date.now() ? undefined : { status: 401, body: "Invalid or expired token" };
      }
      case "AADToken": {
        const objectId = this.world.principalOf(authorization, ENTRA_SCORING_AUDIENCE, Date.now());
        if (!objectId) return { status: 401, body: "Invalid Entra ID token" };
        return this.world.isAllowed(objectId, SCORE_ACTION, this.world.endpointId(endpoint)) ? undefined : { status: 403, body: "Principal lacks score/action" };
      }
    }
  }
}
