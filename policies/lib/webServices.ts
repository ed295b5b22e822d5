// What a model web service's auth looks like, for v1 services (ACI/AKS) and v2 online endpoints.
// Shared by every policy that judges web services, so the v1 defaults live in one place.
import { KIND_LABELS, type ResourceKind } from "./resourceKinds";
import { type Props, type Read, asBoolean, known, mapRead, readPath, readString, requireKnown, sameText } from "./values";

export const AUTH_MODES = ["Key", "AMLToken", "AADToken"] as const;
export type AuthMode = (typeof AUTH_MODES)[number];

/** The canonical spelling of an auth mode (ARM enums are case-insensitive), or undefined. */
export function canonicalAuthMode(value: string): AuthMode | undefined {
  return AUTH_MODES.find((mode) => sameText(mode, value));
}

export type V1Compute = "ACI" | "AKS";

export type WebService =
  | { readonly generation: "v1"; readonly compute: V1Compute; readonly label: string; readonly kind: ResourceKind }
  | { readonly generation: "v2"; readonly label: string; readonly kind: ResourceKind };

/**
 * Classifies a declaration as a web service. Returns known(undefined) for anything else (including a v1
 * service whose computeType is neither ACI nor AKS), and unknown when a v1 service's computeType is not
 * known yet.
 */
export function classifyWebService(
  kind: ResourceKind | undefined,
  props: Props,
  readComputeType: (props: Props) => Read<unknown> = (source) => readPath(source, ["computeType"]),
): Read<WebService | undefined> {
  switch (kind) {
    case "v1AciService":
      return known({ generation: "v1", compute: "ACI", label: KIND_LABELS.v1AciService, kind });
    case "v1AksService":
      return known({ generation: "v1", compute: "AKS", label: KIND_LABELS.v1AksService, kind });
    case "v1GenericService":
    case "v1DeclaredService":
      return mapRead(readComputeType(props), (value): WebService | undefined => {
        const computeType = typeof value === "string" ? value : "";
        if (sameText(computeType, "ACI")) return { generation: "v1", compute: "ACI", label: KIND_LABELS.v1AciService, kind };
        if (sameText(computeType, "AKS")) return { generation: "v1", compute: "AKS", label: KIND_LABELS.v1AksService, kind };
        return undefined;
      });
    case "onlineEndpoint":
      return known({ generation: "v2", label: KIND_LABELS.onlineEndpoint, kind });
    default:
      return known(undefined);
  }
}

export const WEB_SERVICE_TYPES =
  "v1 ACI/AKS web services (azure-native[...]:machinelearningservices[/<version>]:ACIService|AKSService|MachineLearningService) " +
  "and OnlineEndpoints";

// --- v1 services -------------------------------------------------------------------------------------

export type V1Field = "computeType" | "authEnabled" | "aadAuthEnabled" | "computeName";

/**
 * A v1 service field as the program gives it to Azure. ACIService/AKSService and template-declared
 * services take every field flat (the REST body is the flat CreateServiceRequest); their `properties` is a
 * free-form dictionary Azure never reads for auth. MachineLearningService offers no auth flags at all (its
 * inputs are computeType, description, environmentImageRequest, keys, kvTags, location, properties), so
 * Azure applies the compute's defaults whatever else the program writes.
 */
export function readV1Field(props: Props, field: V1Field, kind: ResourceKind): Read<unknown> {
  if (kind === "v1GenericService" && (field === "authEnabled" || field === "aadAuthEnabled")) return known(undefined);
  return readPath(props, [field]);
}

/**
 * A v1 service field in a stack policy, which sees the resource's state: flat while it is a planned
 * create (outputs are its inputs), nested under `properties` (the ServiceResponse) once Azure answered.
 * A nested value counts only with the response's type (booleans for flags, strings otherwise), so a
 * string in the free-form input dictionary is never taken for a setting.
 */
export function readV1StateField(props: Props, field: V1Field, kind: ResourceKind): Read<unknown> {
  if (field in props) return readV1Field(props, field, kind);
  const nested = readPath(props, ["properties", field]);
  if (nested.status === "unknown") return nested;
  const typed = field === "authEnabled" || field === "aadAuthEnabled" ? typeof nested.value === "boolean" : typeof nested.value === "string";
  return known(typed ? nested.value : undefined);
}

/** The auth a v1 service ends up with once the SDK v1 defaults apply. */
export interface V1Auth {
  /** Key auth is on (explicitly, or by default on AKS). */
  readonly key: boolean;
  /** Key auth is on only because AKS turns it on when `authEnabled` is unset. */
  readonly keyByDefault: boolean;
  /**
   * Token auth is in effect (`aadAuthEnabled`, which in v1 means AML token auth, not Entra ID). Always false
   * on ACI: ACI ignores tokens, so an ACI service with only `aadAuthEnabled: true` is anonymous.
   */
  readonly token: boolean;
  /** `aadAuthEnabled: true` is set, whether or not the compute honours it (ACI does not). */
  readonly tokenFlag: boolean;
}

function requireV1Flag(props: Props, field: "authEnabled" | "aadAuthEnabled", kind: ResourceKind, policyName: string): boolean | undefined {
  const why = `${field} is computed from another resource's output`;
  return asBoolean(requireKnown(readV1Field(props, field, kind), why, policyName));
}

/**
 * ACI: key auth off by default, token auth never (the flag is ignored). AKS: key auth on unless
 * `authEnabled: false`, token auth off by default.
 */
export function effectiveV1Auth(compute: V1Compute, props: Props, kind: ResourceKind, policyName: string): V1Auth {
  const authEnabled = requireV1Flag(props, "authEnabled", kind, policyName);
  const tokenFlag = requireV1Flag(props, "aadAuthEnabled", kind, policyName) === true;
  const keyByDefault = compute === "AKS" && authEnabled === undefined;
  return { key: authEnabled === true || keyByDefault, keyByDefault, token: tokenFlag && compute === "AKS", tokenFlag };
}

/** Only the token flag as set (also on ACI, which ignores it), for checks that do not care about keys. */
export function v1TokenAuthEnabled(props: Props, kind: ResourceKind, policyName: string): boolean {
  return requireV1Flag(props, "aadAuthEnabled", kind, policyName) === true;
}

/** v1 auth in effect expressed as v2 modes: key auth is "Key", token auth (AKS only) is "AMLToken". */
export function v1AuthModes(auth: V1Auth): AuthMode[] {
  return [...(auth.key ? (["Key"] as const) : []), ...(auth.token ? (["AMLToken"] as const) : [])];
}

// --- v2 online endpoints -----------------------------------------------------------------------------

export function readEndpointAuthMode(props: Props): Read<string | undefined> {
  return readString(props, ["properties", "authMode"]);
}

/** `properties.authMode` as the check needs it; an unknown mode defers the check to update. */
export function requireEndpointAuthMode(props: Props, policyName: string): string | undefined {
  return requireKnown(readEndpointAuthMode(props), "properties.authMode is computed from another resource's output", policyName);
}

/** `properties.compute`: the ARM id of a workspace compute; set only on Kubernetes endpoints. */
export function readEndpointCompute(props: Props): Read<string | undefined> {
  return readString(props, ["properties", "compute"]);
}

/** Whether `properties.keys` (initial keys, meaningful only for authMode Key) is set. */
export function endpointCarriesKeys(props: Props, policyName: string): boolean {
  const why = "properties.keys is computed from another resource's output";
  const keys = requireKnown(readPath(props, ["properties", "keys"]), why, policyName);
  return keys !== undefined && keys !== null;
}
