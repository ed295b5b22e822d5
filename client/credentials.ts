import type { TokenCredential } from "@azure/core-auth";
import type { CommonClientOptions } from "@azure/core-client";
import { DefaultAzureCredential, DeviceCodeCredential, type DeviceCodeInfo } from "@azure/identity";
import type { ClientContext } from "../components/aadApplications";
import { EndpointClientError } from "./errors";

export type CredentialKind = "default" | "device-code";
export const CREDENTIAL_KINDS: readonly CredentialKind[] = ["default", "device-code"];

export interface CredentialRequest {
  readonly kind: CredentialKind;
  /** Device code: the Entra ID authority, tenant and public client, as in Machine Learning Server's context. */
  readonly context?: Partial<Pick<ClientContext, "authuri" | "tenant" | "clientid">>;
  /**
   * Skip Entra instance discovery and authority validation: only for private clouds or Azure Stack,
   * whose authority is not in Microsoft's public metadata (`disableInstanceDiscovery` of @azure/identity).
   */
  readonly disableInstanceDiscovery?: boolean;
  /** Where a device-code login tells the user what to do. */
  readonly prompt?: (info: DeviceCodeInfo) => void;
  readonly clientOptions?: CommonClientOptions;
}

/**
 * A credential like Machine Learning Server's client signed in with: a device code with the stack's
 * client context {authuri, tenant, clientid}, or whatever DefaultAzureCredential finds.
 */
export function createCredential(request: CredentialRequest): TokenCredential {
  const common = { ...request.clientOptions, ...(request.disableInstanceDiscovery ? { disableInstanceDiscovery: true } : {}) };
  if (request.kind === "default") return new DefaultAzureCredential(common);
  const { authuri, tenant, clientid } = request.context ?? {};
  const missing = [!authuri && "authority (--authority)", !tenant && "tenant (--tenant)", !clientid && "client id (--client-id)"].filter(Boolean);
  if (missing.length > 0) {
    throw new EndpointClientError(
      `a device-code login needs the ${missing.join(", ")}: give stack outputs with clientContext (a stack with aad configured) or the flags`,
      "usage",
    );
  }
  return new DeviceCodeCredential({
    ...common,
    authorityHost: authuri!,
    tenantId: tenant!,
    clientId: clientid!,
    ...(request.prompt ? { userPromptCallback: request.prompt } : {}),
  });
}
