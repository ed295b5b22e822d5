import { FakeService } from "./fakeService";
import { jsonBody, type FakeRequest, type FakeResponse } from "./httpsServer";
import type { FakeAzureWorld, FakeEndpoint } from "./world";

/**
 * Azure Resource Manager for online endpoints, as `@azure/arm-machinelearning` 2.1.1 calls it. Routes,
 * methods, status codes and the regenerateKeys long-running operation follow
 * Azure/azure-rest-api-specs specification/machinelearningservices/resource-manager/
 * Microsoft.MachineLearningServices/stable/2022-10-01/mfe.json: Get (200), ListKeys (POST, 200
 * EndpointAuthKeys), GetToken (POST, 200 EndpointAuthToken), RegenerateKeys (POST, 202 with Location
 * and Retry-After, x-ms-long-running-operation-options final-state-via: location).
 * Every call needs a bearer token issued by the fake authority for this server's audience, and the
 * action at the endpoint's scope (RBAC actions from azure-docs
 * articles/role-based-access-control/permissions/ai-machine-learning.md).
 */
export const SUPPORTED_API_VERSIONS = ["2022-10-01"];

const ENDPOINTS = "Microsoft.MachineLearningServices/workspaces/onlineEndpoints";
const ENDPOINT_ROUTE =
  /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.MachineLearningServices\/workspaces\/([^/]+)\/onlineEndpoints\/([^/]+)(?:\/(listKeys|regenerateKeys|token))?$/i;
const OPERATION_ROUTE = /^\/subscriptions\/([^/]+)\/providers\/Microsoft\.MachineLearningServices\/locations\/([^/]+)\/mfeOperationResults\/([^/]+)$/i;

interface PendingOperation {
  readonly objectId: string;
  pollsLeft: number;
  readonly complete: () => void;
}

export class FakeArm extends FakeService {
  private readonly operations = new Map<string, PendingOperation>();
  /** Polls an operation answers 202 to before it completes (the first GET after the 202 completes it when 0). */
  pendingPolls = 0;

  constructor(private readonly world: FakeAzureWorld) {
    super();
  }

  protected handle(request: FakeRequest, base: string): FakeResponse {
    const apiVersion = request.url.searchParams.get("api-version");
    this.world.armRequests.push({ method: request.method, path: request.url.pathname, apiVersion });
    if (apiVersion === null) {
      return armError(400, "MissingApiVersionParameter", "The api-version query parameter (?api-version=) is required for all requests.");
    }
    if (!SUPPORTED_API_VERSIONS.includes(apiVersion)) {
      return armError(
        400,
        "NoRegisteredProviderFound",
        `No registered resource provider found for location 'westeurope' and API version '${apiVersion}' for type 'workspaces/onlineEndpoints'. The supported api-versions are '${SUPPORTED_API_VERSIONS.join(", ")}'.`,
      );
    }
    const objectId = this.world.principalOf(request.headers.authorization, base, Date.now());
    if (!objectId) {
      return { ...armError(401, "InvalidAuthenticationToken", "The access token is invalid."), headers: { "www-authenticate": 'Bearer authorization_uri="https://login.microsoftonline.com/", error="invalid_token"' } };
    }
    const operation = OPERATION_ROUTE.exec(request.url.pathname);
    if (operation && request.method === "GET") return this.poll(operation[3]!, objectId, request, base);
    const route = ENDPOINT_ROUTE.exec(request.url.pathname);
    if (!route) return armError(404, "InvalidResourceType", `The resource type could not be found in the namespace for api version '${apiVersion}'.`);
    const [, subscription, resourceGroup, workspace, name, action] = route;
    const endpoint = this.world.findEndpoint(subscription!, resourceGroup!, workspace!, name!);
    const scope = `/subscriptions/${subscription}/resourceGroups/${resourceGroup}/providers/Microsoft.MachineLearningServices/workspaces/${workspace}/onlineEndpoints/${name}`;
    const rbacAction = action ? `${ENDPOINTS}/${action}/action` : `${ENDPOINTS}/read`;
    const expectedMethod = action ? "POST" : "GET";
    if (request.method !== expectedMethod) return armError(405, "MethodNotAllowed", `The requested method ${request.method} is not allowed.`);
    // ARM authorizes before the resource provider looks the resource up.
    if (!this.world.isAllowed(objectId, rbacAction, scope)) {
      return armError(
        403,
        "AuthorizationFailed",
        `The client '${objectId}' with object id '${objectId}' does not have authorization to perform action '${rbacAction}' over scope '${scope}' or the scope is invalid. If access was recently granted, please refresh your credentials.`,
      );
    }
    if (!endpoint) {
      return armError(404, "ResourceNotFound", `The Resource '${ENDPOINTS.replace("workspaces/", `workspaces/${workspace}/`)}/${name}' under resource group '${resourceGroup}' was not found.`);
    }
    switch (action) {
      case undefined:
        return { status: 200, body: this.resource(endpoint) };
      case "listKeys":
        // What Azure answers for keys or tokens of an endpoint in another auth mode is not documented;
        // the client checks the auth mode first, so these refusals only guard against a client that does not.
        if (endpoint.authMode !== "Key" || !endpoint.keys) return armError(400, "UserError", `Keys are only available for endpoints with authMode Key.`);
        return { status: 200, body: endpoint.keys };
      case "token":
        return this.token(endpoint);
      default:
        return this.regenerate(endpoint, objectId, request, base);
    }
  }

  private resource(endpoint: FakeEndpoint): Record<string, unknown> {
    return {
      id: this.world.endpointId(endpoint),
      name: endpoint.name,
      type: ENDPOINTS,
      location: endpoint.location,
      identity: { type: "SystemAssigned" },
      properties: {
        authMode: endpoint.authMode,
        scoringUri: scoringUriOf(endpoint, this.world.scoringBase),
        provisioningState: "Succeeded",
        publicNetworkAccess: "Enabled",
        traffic: { blue: 100 },
      },
    };
  }

  private token(endpoint: FakeEndpoint): FakeResponse {
    if (endpoint.authMode !== "AMLToken") return armError(400, "UserError", `Tokens are only available for endpoints with authMode AMLToken.`);
    const nowSeconds = Math.floor(Date.now() / 1000);
    const accessToken = this.world.next("aml-token");
    const expiryTimeUtc = nowSeconds + this.world.amlTokenTimes.expirySeconds;
    this.world.amlTokens.set(accessToken, { endpoint: endpoint.name, expiresAt: expiryTimeUtc * 1000 });
    return { status: 200, body: { accessToken, tokenType: "Bearer", expiryTimeUtc, refreshAfterTimeUtc: nowSeconds + this.world.amlTokenTimes.refreshAfterSeconds } };
  }

  private regenerate(endpoint: FakeEndpoint, objectId: string, request: FakeRequest, base: string): FakeResponse {
    if (endpoint.authMode !== "Key" || !endpoint.keys) return armError(400, "UserError", `Keys can only be regenerated for endpoints with authMode Key.`);
    const body = jsonBody(request) as { keyType?: unknown; keyValue?: unknown } | undefined;
    if (body?.keyType !== "Primary" && body?.keyType !== "Secondary") {
      return armError(400, "UserError", `keyType is required and must be Primary or Secondary.`);
    }
    if (body.keyValue !== undefined && (typeof body.keyValue !== "string" || body.keyValue === "")) return armError(400, "UserError", "keyValue must be a non-empty string.");
    const keys = endpoint.keys;
    const slot = body.keyType === "Primary" ? "primaryKey" : "secondaryKey";
    const value = typeof body.keyValue === "string" ? body.keyValue : this.world.next(`generated-${body.keyType.toLowerCase()}`);
    const operationId = this.world.next("operation");
    this.operations.set(operationId, { objectId, pollsLeft: this.pendingPolls, complete: () => (keys[slot] = value) });
    return this.accepted(endpoint.subscription, endpoint.location, operationId, base);
  }

  private accepted(subscription: string, location: string, operationId: string, base: string): FakeResponse {
    const pollUrl = `${base}/subscriptions/${subscription}/providers/Microsoft.MachineLearningServices/locations/${location}/mfeOperationResults/${operationId}?api-version=${SUPPORTED_API_VERSIONS[0]}`;
    return { status: 202, headers: { location: pollUrl, "retry-after": String(this.world.lroRetryAfterSeconds) } };
  }

  private poll(operationId: string, objectId: string, request: FakeRequest, base: string): FakeResponse {
    const operation = this.operations.get(operationId);
    if (!operation || operation.objectId !== objectId) return armError(404, "NotFound", `Operation ${operationId} was not found.`);
    if (operation.pollsLeft > 0) {
      operation.pollsLeft -= 1;
      const [, subscription, location] = OPERATION_ROUTE.exec(request.url.pathname)!;
      return this.accepted(subscription!, location!, operationId, base);
    }
    operation.complete();
    this.operations.delete(operationId);
    return { status: 200 };
  }
}

/** Where the fake scoring server serves an endpoint (real ones are https://<endpoint>.<region>.inference.ml.azure.com/score). */
export function scoringUriOf(endpoint: FakeEndpoint, scoringBase: string): string {
  return `${scoringBase}/${endpoint.name}/score`;
}

function armError(status: number, code: string, message: string): FakeResponse {
  return { status, body: { error: { code, message } } };
}
