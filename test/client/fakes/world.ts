import type { EndpointAuthMode } from "../../../client";

/** One online endpoint as the fake Azure holds it. */
export interface FakeEndpoint {
  readonly name: string;
  readonly workspace: string;
  readonly resourceGroup: string;
  readonly subscription: string;
  readonly location: string;
  readonly authMode: EndpointAuthMode;
  /** Key endpoints: the keys Azure holds now. */
  keys?: { primaryKey: string; secondaryKey: string };
}

/** A role assignment: the actions a principal may perform at a scope and below. */
export interface FakeGrant {
  readonly objectId: string;
  readonly scope: string;
  readonly actions: readonly string[];
}

export interface IssuedEntraToken {
  readonly objectId: string;
  readonly audience: string;
  readonly expiresAt: number;
}

export interface IssuedAmlToken {
  readonly endpoint: string;
  readonly expiresAt: number;
}

/** What the scoring server answers next, before it looks at the request (throttling, outages). */
export interface ScoringFault {
  readonly status: 429 | 503;
  /** The Retry-After header, seconds; none when undefined. */
  readonly retryAfterSeconds?: number;
}

export interface ScoringCall {
  readonly endpoint: string;
  readonly authorization: string | undefined;
  readonly status: number;
  readonly at: number;
}

/** The state the fake ARM, Entra and scoring servers share: Azure's side of the world. */
export class FakeAzureWorld {
  readonly endpoints: FakeEndpoint[] = [];
  readonly grants: FakeGrant[] = [];
  /** Confidential clients (client id -> secret and object id of their service principal). */
  readonly applications = new Map<string, { secret: string; objectId: string }>();
  readonly entraTokens = new Map<string, IssuedEntraToken>();
  readonly amlTokens = new Map<string, IssuedAmlToken>();
  readonly scoringFaults: ScoringFault[] = [];
  readonly scoringCalls: ScoringCall[] = [];
  readonly armRequests: { method: string; path: string; apiVersion: string | null }[] = [];
  /** AML tokens: seconds from issue to refresh-after and to expiry. */
  amlTokenTimes = { refreshAfterSeconds: 1800, expirySeconds: 3600 };
  /** Seconds the regenerateKeys operation asks clients to wait between polls (the spec allows 10-600; tests use 1). */
  lroRetryAfterSeconds = 1;
  /** The base URL of the scoring server, once it runs. */
  scoringBase = "";
  private counter = 0;

  next(prefix: string): string {
    this.counter += 1;
    return `${prefix}-${this.counter}`;
  }

  endpointId(endpoint: FakeEndpoint): string {
    return `/subscriptions/${endpoint.subscription}/resourceGroups/${endpoint.resourceGroup}/providers/Microsoft.MachineLearningServices/workspaces/${endpoint.workspace}/onlineEndpoints/${endpoint.name}`;
  }

  findEndpoint(subscription: string, resourceGroup: string, workspace: string, name: string): FakeEndpoint | undefined {
    const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();
    return this.endpoints.find(
      (endpoint) => same(endpoint.subscription, subscription) && same(endpoint.resourceGroup, resourceGroup) && same(endpoint.workspace, workspace) && same(endpoint.name, name),
    );
  }

  /** RBAC as ARM evaluates it: an assignment at a scope covers everything below it. */
  isAllowed(objectId: string, action: string, scope: string): boolean {
    const lower = scope.toLowerCase();
    return this.grants.some(
      (grant) =>
        grant.objectId === objectId &&
        (lower === grant.scope.toLowerCase() || lower.startsWith(`${grant.scope.toLowerCase()}/`)) &&
        grant.actions.some((allowed) => allowed.toLowerCase() === action.toLowerCase()),
    );
  }

  /** The principal behind a bearer token for `audience`, or undefined when it is not a valid one. */
  principalOf(authorization: string | undefined, audience: string, now: number): string | undefined {
    const token = /^Bearer (.+)$/.exec(authorization ?? "")?.[1];
    const issued = token ? this.entraTokens.get(token) : undefined;
    if (!issued || issued.audience !== audience || issued.expiresAt <= now) return undefined;
    return issued.objectId;
  }
}
