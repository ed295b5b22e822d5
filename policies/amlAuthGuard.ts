// The pack as a typed, configurable class in the AWSGuard style. `resolveAmlAuthGuard` is the pure part
// (arguments to policies with levels and settings) that tests call; only the class starts the analyzer.
import {
  type EnforcementLevel,
  type Policies,
  PolicyPack,
  type PolicyPackConfig,
  type ResourceValidationPolicy,
  type StackValidationPolicy,
} from "@pulumi/policy";
import type { AuthMode } from "./lib/webServices";
import { acrAdminUserDisabled } from "./rules/acr-admin-user-disabled";
import { keyvaultPurgeProtection } from "./rules/keyvault-purge-protection";
import { mlComputeLocalAuthDisabled } from "./rules/ml-compute-local-auth-disabled";
import {
  createMlEndpointAllowedAuthModes,
  mlEndpointAllowedAuthModes,
  parseAllowedAuthModes,
} from "./rules/ml-endpoint-allowed-auth-modes";
import { mlEndpointAuthExclusive } from "./rules/ml-endpoint-auth-exclusive";
import { mlEndpointAuthRequired } from "./rules/ml-endpoint-auth-required";
import { mlEndpointTokenComputeSupported } from "./rules/ml-endpoint-token-compute-supported";
import { mlEndpointTokenSameRegion } from "./rules/ml-endpoint-token-same-region";
import { mlKubernetesExtensionTls } from "./rules/ml-kubernetes-extension-tls";
import { mlWorkspaceNoV1LegacyMode } from "./rules/ml-workspace-no-v1-legacy-mode";
import { mlWorkspacePublicNetworkDisabled } from "./rules/ml-workspace-public-network-disabled";
import { storageNoPublicBlobAccess } from "./rules/storage-no-public-blob-access";

export const PACK_NAME = "aml-auth-guard";

/** Settings of ml-endpoint-allowed-auth-modes. */
export interface AllowedAuthModesSettings {
  enforcementLevel?: EnforcementLevel;
  /** Default: all three modes. */
  allowedAuthModes?: AuthMode[];
}

/**
 * Levels and settings, one camelCase key per policy. `all` sets every level first; a policy's own key
 * overrides it. Unset keys keep the policy's default level (shown below).
 */
export interface AmlAuthGuardArgs {
  /** Level for every policy, before per-policy keys apply. */
  all?: EnforcementLevel;
  /** ml-endpoint-auth-exclusive (default mandatory) */
  mlEndpointAuthExclusive?: EnforcementLevel;
  /** ml-endpoint-auth-required (default mandatory) */
  mlEndpointAuthRequired?: EnforcementLevel;
  /** ml-endpoint-token-compute-supported (default mandatory) */
  mlEndpointTokenComputeSupported?: EnforcementLevel;
  /** ml-endpoint-token-same-region, a stack policy (default mandatory) */
  mlEndpointTokenSameRegion?: EnforcementLevel;
  /** ml-endpoint-allowed-auth-modes (default mandatory, every mode allowed) */
  mlEndpointAllowedAuthModes?: EnforcementLevel | AllowedAuthModesSettings;
  /** ml-kubernetes-extension-tls (default advisory) */
  mlKubernetesExtensionTls?: EnforcementLevel;
  /** ml-workspace-public-network-disabled (default advisory) */
  mlWorkspacePublicNetworkDisabled?: EnforcementLevel;
  /** ml-workspace-no-v1-legacy-mode (default advisory) */
  mlWorkspaceNoV1LegacyMode?: EnforcementLevel;
  /** ml-compute-local-auth-disabled (default advisory) */
  mlComputeLocalAuthDisabled?: EnforcementLevel;
  /** storage-no-public-blob-access (default advisory) */
  storageNoPublicBlobAccess?: EnforcementLevel;
  /** acr-admin-user-disabled (default advisory) */
  acrAdminUserDisabled?: EnforcementLevel;
  /** keyvault-purge-protection (default advisory) */
  keyvaultPurgeProtection?: EnforcementLevel;
}

export type AmlAuthGuardPolicyKey = Exclude<keyof AmlAuthGuardArgs, "all">;

type AmlAuthGuardPolicy = ResourceValidationPolicy | StackValidationPolicy;

/** Every policy under its key, in pack order. Typed by the args, so a key without a policy fails to compile. */
const POLICY_BY_KEY: { readonly [Key in AmlAuthGuardPolicyKey]: AmlAuthGuardPolicy } = {
  mlEndpointAuthExclusive,
  mlEndpointAuthRequired,
  mlEndpointTokenComputeSupported,
  mlEndpointTokenSameRegion,
  mlEndpointAllowedAuthModes,
  mlKubernetesExtensionTls,
  mlWorkspacePublicNetworkDisabled,
  mlWorkspaceNoV1LegacyMode,
  mlComputeLocalAuthDisabled,
  storageNoPublicBlobAccess,
  acrAdminUserDisabled,
  keyvaultPurgeProtection,
};

const POLICY_KEYS = Object.keys(POLICY_BY_KEY) as AmlAuthGuardPolicyKey[];
const VALID_KEYS: readonly string[] = ["all", ...POLICY_KEYS];
const ENFORCEMENT_LEVELS: readonly EnforcementLevel[] = ["advisory", "mandatory", "remediate", "disabled"];

function isEnforcementLevel(value: unknown): value is EnforcementLevel {
  return typeof value === "string" && (ENFORCEMENT_LEVELS as readonly string[]).includes(value);
}

function checkLevel(key: string, value: unknown): EnforcementLevel {
  if (isEnforcementLevel(value)) return value;
  throw new Error(`${PACK_NAME}: ${key} must be one of ${ENFORCEMENT_LEVELS.join(", ")}; got ${JSON.stringify(value)}`);
}

/** The pack's policies and the initial config the engine starts from. */
export interface ResolvedAmlAuthGuard {
  readonly policies: Policies;
  /** Settings given through the class, reported to the engine so `--policy-pack-config` merges over them. */
  readonly initialConfig: PolicyPackConfig;
}

/**
 * Resolves arguments into policies with their levels and settings. Refuses unknown keys, levels and
 * settings at run time, for callers that bypass the compile-time check (JavaScript, spread objects).
 */
export function resolveAmlAuthGuard(args: AmlAuthGuardArgs = {}): ResolvedAmlAuthGuard {
  const given = new Map<string, unknown>(Object.keys(args).map((key) => [key, Reflect.get(args, key)]));
  for (const key of given.keys()) {
    if (!VALID_KEYS.includes(key)) {
      throw new Error(`${PACK_NAME}: unknown configuration key "${key}"; valid keys are ${VALID_KEYS.join(", ")}`);
    }
  }
  const all = args.all === undefined ? undefined : checkLevel("all", args.all);
  const initialConfig: PolicyPackConfig = {};
  const policies = POLICY_KEYS.map((key): AmlAuthGuardPolicy => {
    const setting = given.get(key);
    let policy = POLICY_BY_KEY[key];
    let level = all ?? policy.enforcementLevel;
    if (typeof setting === "string") {
      level = checkLevel(key, setting);
    } else if (setting !== undefined && key === "mlEndpointAllowedAuthModes" && typeof setting === "object" && setting !== null) {
      const settings = setting as Record<string, unknown>;
      for (const settingKey of Object.keys(settings)) {
        if (settingKey !== "enforcementLevel" && settingKey !== "allowedAuthModes") {
          throw new Error(`${PACK_NAME}: unknown setting "${settingKey}" in ${key}; valid settings are enforcementLevel, allowedAuthModes`);
        }
      }
      if (settings.enforcementLevel !== undefined) level = checkLevel(`${key}.enforcementLevel`, settings.enforcementLevel);
      if (settings.allowedAuthModes !== undefined) {
        const allowedAuthModes = parseAllowedAuthModes(settings.allowedAuthModes);
        policy = createMlEndpointAllowedAuthModes(allowedAuthModes);
        initialConfig[policy.name] = { ...(level ? { enforcementLevel: level } : {}), allowedAuthModes };
      }
    } else if (setting !== undefined) {
      throw new Error(`${PACK_NAME}: ${key} must be an enforcement level (${ENFORCEMENT_LEVELS.join(", ")}); got ${JSON.stringify(setting)}`);
    }
    return { ...policy, enforcementLevel: level };
  });
  return { policies, initialConfig };
}

/**
 * The aml-auth-guard policy pack. Constructing it starts the analyzer's gRPC server (as the Pulumi CLI
 * expects of a pack's entry point), so only `policies/index.ts` does.
 */
export class AmlAuthGuard extends PolicyPack {
  constructor(args: AmlAuthGuardArgs = {}) {
    const { policies, initialConfig } = resolveAmlAuthGuard(args);
    super(
      PACK_NAME,
      {
        policies,
        description:
          "Azure ML web services have exactly one auth mechanism, token auth only where supported and in the " +
          "workspace's region, plus workspace, compute, storage, registry and key vault hygiene.",
        provider: "azure",
        tags: ["azure", "machine-learning", "authentication"],
      },
      initialConfig,
    );
  }
}
