/** Where a model web service runs: the successors of the v1 ACI and AKS web services. */
export type ServiceCompute = "managed" | "aks";

/** Exactly one auth mode per service: keys, Azure ML tokens, or Entra ID tokens. */
export type ServiceAuth = "key" | "amlToken" | "aadToken";

/** Kubernetes online endpoints refuse Entra ID tokens. */
export type KubernetesServiceAuth = Exclude<ServiceAuth, "aadToken">;

export type EndpointAuthMode = "Key" | "AMLToken" | "AADToken";

export const SERVICE_COMPUTES: readonly ServiceCompute[] = ["managed", "aks"];
export const SERVICE_AUTHS: readonly ServiceAuth[] = ["key", "amlToken", "aadToken"];

export const ENDPOINT_AUTH_MODE: Readonly<Record<ServiceAuth, EndpointAuthMode>> = {
  key: "Key",
  amlToken: "AMLToken",
  aadToken: "AADToken",
};

/**
 * Key auth for the ACI successor; AML tokens for the AKS successor, although v1 AKS services
 * defaulted to keys (token auth was opt-in): tokens expire, keys last until rotated.
 */
export const DEFAULT_AUTH: Readonly<{ managed: "key"; aks: "amlToken" }> = { managed: "key", aks: "amlToken" };

/** Why a compute refuses an auth mode, or undefined when it accepts it. */
export function unsupportedAuthReason(compute: ServiceCompute, auth: ServiceAuth): string | undefined {
  if (compute === "aks" && auth === "aadToken") {
    return `"aadToken" is not supported with compute "aks" (Kubernetes online endpoints support key or amlToken)`;
  }
  return undefined;
}
