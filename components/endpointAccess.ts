import type { EndpointAuthMode } from "./authModes";

const ENDPOINTS = "Microsoft.MachineLearningServices/workspaces/onlineEndpoints";

/**
 * Control-plane actions only: Microsoft.MachineLearningServices defines no data actions, and ARM
 * refuses a role naming one it does not know (InvalidDataActionOrNotDataAction), so a consumer role
 * has no data actions at all, not even for scoring with an Entra ID token.
 */
export interface EndpointPermissions {
  readonly actions: readonly string[];
}

/**
 * Exactly what a consumer of an endpoint needs, and no more. The built-in Reader role
 * cannot fetch tokens, and AzureML Data Scientist can do far more than call an endpoint.
 */
export function consumerPermissions(authMode: EndpointAuthMode): EndpointPermissions {
  switch (authMode) {
    case "Key":
      return { actions: [`${ENDPOINTS}/read`, `${ENDPOINTS}/listKeys/action`] };
    case "AMLToken":
      return { actions: [`${ENDPOINTS}/read`, `${ENDPOINTS}/token/action`] };
    case "AADToken":
      return { actions: [`${ENDPOINTS}/read`, `${ENDPOINTS}/score/action`] };
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

export const PRINCIPAL_TYPES = ["User", "Group", "ServicePrincipal"] as const;
/** What Azure expects as a role assignment's principalType; it refuses one that does not match the principal. */
export type PrincipalType = (typeof PRINCIPAL_TYPES)[number];

/**
 * A principal that may fetch an endpoint's credentials: an Entra object id, whose type is then read
 * from Microsoft Graph, or an object id with its type, which needs no Graph permission.
 */
export type CredentialReader = string | { readonly objectId: string; readonly type: PrincipalType };

export function readerObjectId(reader: CredentialReader): string {
  return typeof reader === "string" ? reader : reader.objectId;
}
