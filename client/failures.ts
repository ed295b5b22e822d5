import { isRestError } from "@azure/core-rest-pipeline";
import type { EndpointAuthMode } from "../components/authModes";
import { consumerPermissions, consumerRoleName } from "../components/endpointAccess";
import { ENDPOINT_AUTH_MODES, endpointScope, type EndpointCoordinates } from "./endpointCoordinates";
import { EndpointClientError } from "./errors";

const ENDPOINTS = "Microsoft.MachineLearningServices/workspaces/onlineEndpoints";

/** What a call asks of Azure, and the RBAC action it needs at the endpoint's scope. */
export const ENDPOINT_OPERATIONS = {
  read: { describe: "reading the endpoint", action: `${ENDPOINTS}/read` },
  listKeys: { describe: "listing the keys", action: `${ENDPOINTS}/listKeys/action` },
  regenerateKeys: { describe: "regenerating a key", action: `${ENDPOINTS}/regenerateKeys/action` },
  token: { describe: "fetching an AML token", action: `${ENDPOINTS}/token/action` },
  score: { describe: "calling the endpoint", action: `${ENDPOINTS}/score/action` },
} as const;

export type EndpointOperation = keyof typeof ENDPOINT_OPERATIONS;

/** The auth mode whose consumer role grants an action, if any does. */
function consumerModeGranting(action: string): EndpointAuthMode | undefined {
  return ENDPOINT_AUTH_MODES.find((mode) => {
    const permissions = consumerPermissions(mode);
    return permissions.actions.includes(action);
  });
}

/** Which role to ask for, at which scope, when Azure refuses an operation. */
export function missingRoleAdvice(operation: EndpointOperation, coordinates: EndpointCoordinates): string {
  const { action } = ENDPOINT_OPERATIONS[operation];
  const scope = endpointScope(coordinates);
  if (consumerModeGranting(action) === undefined) {
    return (
      `it needs ${action} at the endpoint's scope (${scope}), which the endpoint's consumer role leaves out on purpose: ` +
      `rotation is an operator's task; ask an owner of the stack for a role with that action at that scope`
    );
  }
  const role = consumerRoleName(coordinates.endpointName, coordinates.resourceGroupName, coordinates.subscriptionId ?? "<subscription>");
  return (
    `your identity lacks the role "${role}" (it grants ${action}) at the endpoint's scope ${scope}; ` +
    `add your Entra object id to the service's credentialReaders in the stack config and run pulumi up, or ask an owner to assign that role`
  );
}

/** A message that names the endpoint and where it was looked for. */
export function notFoundMessage(coordinates: EndpointCoordinates): string {
  const subscription = coordinates.subscriptionId ? `, subscription '${coordinates.subscriptionId}'` : "";
  return (
    `endpoint '${coordinates.endpointName}' was not found in workspace '${coordinates.workspaceName}' ` +
    `(resource group '${coordinates.resourceGroupName}'${subscription}); check the endpoint name, --workspace, --resource-group ` +
    `and --subscription, or the stack outputs file`
  );
}

const CREDENTIAL_ERRORS = new Set(["CredentialUnavailableError", "AuthenticationError", "AggregateAuthenticationError", "AuthenticationRequiredError"]);

/** Turns what the Azure SDKs throw into an error a user can act on; other errors pass through. */
export function describeFailure(error: unknown, operation: EndpointOperation, coordinates: EndpointCoordinates): unknown {
  if (error instanceof EndpointClientError) return error;
  const what = `${ENDPOINT_OPERATIONS[operation].describe} of endpoint '${coordinates.endpointName}'`;
  if (isRestError(error)) {
    const status = error.statusCode;
    const code = error.code ? ` ${error.code}` : "";
    if (status === 401 || status === 403) {
      // 401: the token itself was not accepted (expired, another tenant); the role is still what is needed.
      const signIn = status === 401 ? "sign in again (or to the endpoint's tenant); then, if it is still refused, " : "";
      return new EndpointClientError(`Azure refused ${what} (${status}${code}): ${signIn}${missingRoleAdvice(operation, coordinates)}`, "forbidden", status);
    }
    if (status === 404) return new EndpointClientError(notFoundMessage(coordinates), "not-found", status);
    if (status === 429) return new EndpointClientError(`Azure throttled ${what} (429${code}) after retrying; try again later`, "throttled", status);
    const detail = firstLine(error.message);
    return new EndpointClientError(`Azure failed ${what}${status ? ` (${status}${code})` : ""}: ${detail}`, "service", status);
  }
  if (error instanceof Error && CREDENTIAL_ERRORS.has(error.name)) {
    return new EndpointClientError(`could not get a credential for ${what}: ${error.message.trim()}`, "credential-refused");
  }
  return error;
}

function firstLine(message: string): string {
  return message.split("\n").find((line) => line.trim() !== "")?.trim() ?? message;
}
