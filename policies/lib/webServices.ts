// What a model web service's auth looks like, for v1 services (ACI/AKS) and v2 online endpoints.
// Shared by every policy that judges web services, so the v1 defaults live in one place.
import { KIND_LABELS, resourceKindOf } from "./resourceKinds";
import { type Props, type Read, asBoolean, known, mapRead, readPath, readString, requireKnown, sameText } from "./values";

export const AUTH_MODES = ["Key", "AMLToken", "AADToken"] as const;
export type AuthMode = (typeof AUTH_MODES)[number];

/** The canonical spelling of an auth mode (ARM enums are case-insensitive), or undefined. */
export function canonicalAuthMode(value: string): AuthMode | undefined {
  return AUTH_MODES.find((mode) => sameText(mode, value));
}

export type V1Compute = "ACI" | "AKS";

export type WebService =
  | { readonly generation: "v1"; readonly compute: V1Compute; readonly label: string }
  | { readonly generation: "v2"; readonly label: string };

/**
 * Classifies a resource as a web service. Returns known(undefined) for anything else (including a generic
 * v1 service whose computeType is neither ACI nor AKS), and unknown when a generic v1 service's
 * computeType is not known yet.
 */
export function classifyWebService(type: string, props: Props): Read<WebService | undefined> {
  switch (resourceKindOf(type)) {
    case "v1AciService":
      return known({ generation: "v1", compute: "ACI", label: KIND_LABELS.v1AciService });
    case "v1AksService":
      return known({ generation: "v1", compute: "AKS", label: KIND_LABELS.v1AksService });
    case "v1GenericService":
      return mapRead(readV1Field(props, "computeType"), (value): WebService | undefined => {
        const computeType = typeof value === "string" ? value : "";
        if (sameText(computeType, "ACI")) return { generation: "v1", compute: "ACI", label: KIND_LABELS.v1AciService };
        if (sameText(computeType, "AKS")) return { generation: "v1", compute: "AKS", label: KIND_LABELS.v1AksService };
        return undefined;
      });
    case "onlineEndpoint":
      return known({ generation: "v2", label: KIND_LABELS.onlineEndpoint });
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
 * A v1 service field. The azure-native ACIService/AKSService inputs are flat (`authEnabled` at the top);
 * the resource's outputs, and a hand-written create request, nest them under `properties`.
 */
export function readV1Field(props: Props, field: V1Field): Read<unknown> {
  // `in` is not intercepted by the unknown-checking proxy, so it tests presence without reading.
  if (field in props) return readPath(props, [field]);
  const nested = readPath(props, ["properties"]);
  if (nested.status === "unknown") return nested;
  if (nested.value !== null && typeof nested.value === "object" && field in nested.value) {
    return readPath(props, ["properties", field]);
  }
  return known(undefined);
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

function requireV1Flag(props: Props, field: "authEnabled" | "aadAuthEnabled", policyName: string): boolean | undefined {
  const why = `${field} is computed from another resource's output`;
  return asBoolean(requireKnown(readV1Field(props, field), why, policyName));
}

/**
 * ACI: key auth off by default, token auth never (the flag is ignored). AKS: key auth on unless
 * `authEnabled: false`, token auth off by default.
 */
export function effectiveV1Auth(compute: V1Compute, props: Props, policyName: string): V1Auth {
  const authEnabled = requireV1Flag(props, "authEnabled", policyName);
  const tokenFlag = requireV1Flag(props, "aadAuthEnabled", policyName) === true;
  const keyByDefault = compute === "AKS" && authEnabled === undefined;
  return { key: authEnabled === true || keyByDefault, keyByDefault, token: tokenFlag && compute === "AKS", tokenFlag };
}

/** Only the token flag as set (also on ACI, which ignores it), for checks that do not care about keys. */
export function v1TokenAuthEnabled(props: Props, policyName: string): boolean {
  return requireV1Flag(props, "aadAuthEnabled", policyName) === true;
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
