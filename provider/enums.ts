// Closed sets of values as the package schema expresses them: `as const` objects, which
// the component analyzer turns into enums that every language can name.

/** How clients, clusters and managed compute reach the workspace. */
export const NetworkKind = {
  /** Public network access. */
  Public: "public",
  /** Public network access disabled: private endpoints, private DNS zones and a subnet for AKS nodes. */
  Private: "private",
} as const;
export type NetworkKind = (typeof NetworkKind)[keyof typeof NetworkKind];

/** Outbound traffic of the workspace's managed network, which managed online deployments use. */
export const ManagedOutbound = {
  AllowInternetOutbound: "AllowInternetOutbound",
  AllowOnlyApprovedOutbound: "AllowOnlyApprovedOutbound",
} as const;
export type ManagedOutbound = (typeof ManagedOutbound)[keyof typeof ManagedOutbound];

/** How the inference router's service is exposed. */
export const InferenceRouterServiceType = {
  LoadBalancer: "LoadBalancer",
  NodePort: "NodePort",
  ClusterIP: "ClusterIP",
} as const;
export type InferenceRouterServiceType = (typeof InferenceRouterServiceType)[keyof typeof InferenceRouterServiceType];

/** Where a model web service runs. */
export const ComputeKind = {
  /** A managed online endpoint, the successor of a v1 ACI web service. */
  Managed: "managed",
  /** A Kubernetes online endpoint on an attached AKS cluster, the successor of a v1 AKS web service. */
  Kubernetes: "kubernetes",
} as const;
export type ComputeKind = (typeof ComputeKind)[keyof typeof ComputeKind];

/** The one auth mode of a service. */
export const ServiceAuth = {
  /** Two keys, primary and secondary. */
  Key: "key",
  /** Azure ML tokens that expire; fetched with the endpoint's token action. */
  AmlToken: "amlToken",
  /** Entra ID tokens; managed endpoints only. */
  AadToken: "aadToken",
} as const;
export type ServiceAuth = (typeof ServiceAuth)[keyof typeof ServiceAuth];

/** "mlflow" is served without code; "custom" needs a scoring script, which this package does not upload. */
export const ModelFormat = {
  Mlflow: "mlflow",
  Custom: "custom",
} as const;
export type ModelFormat = (typeof ModelFormat)[keyof typeof ModelFormat];

/** What Azure expects as a role assignment's principalType. */
export const PrincipalType = {
  User: "User",
  Group: "Group",
  ServicePrincipal: "ServicePrincipal",
} as const;
export type PrincipalType = (typeof PrincipalType)[keyof typeof PrincipalType];

/** Whether `value` is one of the enum's values; the schema's enums reach the components as plain strings. */
export function isEnumValue<T extends string>(values: Readonly<Record<string, T>>, value: unknown): value is T {
  return typeof value === "string" && (Object.values(values) as string[]).includes(value);
}

export function enumValues(values: Readonly<Record<string, string>>): string {
  return Object.values(values)
    .map((value) => `"${value}"`)
    .join(", ");
}
