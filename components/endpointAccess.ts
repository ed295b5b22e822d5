import type { EndpointAuthMode } from "./authModes";

const ENDPOINTS = "Microsoft.MachineLearningServices/workspaces/onlineEndpoints";

export interface EndpointPermissions {
  readonly actions: readonly string[];
  readonly dataActions: readonly string[];
}

/**
 * Exactly what a consumer of an endpoint needs, and no more. The built-in Reader role
 * cannot fetch tokens, and AzureML Data Scientist can do far more than call an endpoint.
 */
export function consumerPermissions(authMode: EndpointAuthMode): EndpointPermissions {
  switch (authMode) {
    case "Key":
      return { actions: [`${ENDPOINTS}/read`, `${ENDPOINTS}/listKeys/action`], dataActions: [] };
    case "AMLToken":
      return { actions: [`${ENDPOINTS}/read`, `${ENDPOINTS}/token/action`], dataActions: [] };
    case "AADToken":
      return { actions: [`${ENDPOINTS}/read`], dataActions: [`${ENDPOINTS}/score/action`] };
  }
}

export function consumerRoleDescription(authMode: EndpointAuthMode): string {
  switch (authMode) {
    case "Key":
      return "Read one online endpoint and list its keys.";
    case "AMLToken":
      return "Read one online endpoint and fetch Azure ML tokens for it.";
    case "AADToken":
      return "Read one online endpoint and call it with an Entra ID token.";
  }
}

/** The consumer role's name: custom role names are unique per tenant, so the subscription is part of it. */
export function consumerRoleName(endpointName: string, resourceGroupName: string, subscriptionId: string): string {
  return `aml-webservices ${endpointName} consumer (${resourceGroupName}, ${subscriptionId})`;
}
