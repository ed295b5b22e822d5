import { describe, expect, it } from "vitest";
import type { Policy, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { type AmlAuthGuardArgs, resolveAmlAuthGuard } from "../../policies/amlAuthGuard";
import { runResourcePolicy } from "./policyHarness";

/** The policies: exact names, default levels and whether each judges one resource or the stack. */
const EXPECTED = [
  { name: "ml-endpoint-auth-exclusive", level: "mandatory", scope: "resource" },
  { name: "ml-endpoint-auth-required", level: "mandatory", scope: "resource" },
  { name: "ml-endpoint-token-compute-supported", level: "mandatory", scope: "resource" },
  { name: "ml-endpoint-token-same-region", level: "mandatory", scope: "stack" },
  { name: "ml-endpoint-allowed-auth-modes", level: "mandatory", scope: "resource" },
  { name: "ml-kubernetes-extension-tls", level: "advisory", scope: "resource" },
  { name: "ml-workspace-public-network-disabled", level: "advisory", scope: "resource" },
  { name: "ml-workspace-no-v1-legacy-mode", level: "advisory", scope: "resource" },
  { name: "ml-compute-local-auth-disabled", level: "advisory", scope: "resource" },
  { name: "storage-no-public-blob-access", level: "advisory", scope: "resource" },
  { name: "acr-admin-user-disabled", level: "advisory", scope: "resource" },
  { name: "keyvault-purge-protection", level: "advisory", scope: "resource" },
] as const;

const KEYS = [
  "mlEndpointAuthExclusive",
  "mlEndpointAuthRequired",
  "mlEndpointTokenComputeSupported",
  "mlEndpointTokenSameRegion",
  "mlEndpointAllowedAuthModes",
  "mlKubernetesExtensionTls",
  "mlWorkspacePublicNetworkDisabled",
  "mlWorkspaceNoV1LegacyMode",
  "mlComputeLocalAuthDisabled",
  "storageNoPublicBlobAccess",
  "acrAdminUserDisabled",
  "keyvaultPurgeProtection",
];

function levels(args?: AmlAuthGuardArgs): Record<string, string | undefined> {
  return Object.fromEntries(resolveAmlAuthGuard(args).policies.map((p) => [p.name, p.enforcementLevel]));
}

function policyNamed(args: AmlAuthGuardArgs, name: string): Policy {
  const policy = resolveAmlAuthGuard(args).policies.find((p) => p.name === name);
  if (!policy) throw new Error(`no policy ${name}`);
  return policy;
}

describe("aml-auth-guard pack resolution", () => {
  it("has every policy of the issue, with its default level and full metadata", () => {
    const { policies } = resolveAmlAuthGuard();
    expect(policies.map((p) => p.name).sort()).toEqual(EXPECTED.map((p) => p.name).sort());
    for (const expected of EXPECTED) {
      const policy = policies.find((p) => p.name === expected.name) as ResourceValidationPolicy & Partial<StackValidationPolicy>;
      expect(policy.enforcementLevel, expected.name).toBe(expected.level);
      expect(typeof (expected.scope === "stack" ? policy.validateStack : policy.validateResource), expected.name).toBe("function");
      expect(policy.description.length, expected.name).toBeGreaterThan(20);
      expect(["low", "medium", "high", "critical"], expected.name).toContain(policy.severity);
      expect(policy.remediationSteps?.length ?? 0, expected.name).toBeGreaterThan(20);
      expect(policy.url, expected.name).toMatch(/^https:\/\/learn\.microsoft\.com\//);
    }
  });

  it("keys every policy by its camelCase name", () => {
    for (const [index, key] of KEYS.entries()) {
      expect(policyNamed({ [key]: "disabled" }, EXPECTED[index].name).enforcementLevel).toBe("disabled");
    }
  });

  it("sets every level with all, and lets a policy's key override it", () => {
    expect(new Set(Object.values(levels({ all: "disabled" })))).toEqual(new Set(["disabled"]));
    const mixed = levels({ all: "advisory", mlEndpointAuthExclusive: "mandatory", mlEndpointAllowedAuthModes: { enforcementLevel: "disabled" } });
    expect(mixed["ml-endpoint-auth-exclusive"]).toBe("mandatory");
    expect(mixed["ml-endpoint-allowed-auth-modes"]).toBe("disabled");
    expect(mixed["ml-endpoint-token-same-region"]).toBe("advisory");
    expect(mixed["keyvault-purge-protection"]).toBe("advisory");
  });

  it("leaves the exported policies untouched", () => {
    resolveAmlAuthGuard({ all: "disabled" });
    expect(levels()["ml-endpoint-auth-required"]).toBe("mandatory");
  });

  it("applies allowed auth modes given to the class, and reports them as initial config", async () => {
    const args: AmlAuthGuardArgs = { mlEndpointAllowedAuthModes: { allowedAuthModes: ["AMLToken", "AADToken"] } };
    const { policies, initialConfig } = resolveAmlAuthGuard(args);
    expect(initialConfig).toEqual({ "ml-endpoint-allowed-auth-modes": { enforcementLevel: "mandatory", allowedAuthModes: ["AMLToken", "AADToken"] } });
    const policy = policies.find((p) => p.name === "ml-endpoint-allowed-auth-modes") as ResourceValidationPolicy;
    const keyEndpoint = { type: "azure-native:machinelearningservices:OnlineEndpoint", props: { properties: { authMode: "Key" } } };
    expect((await runResourcePolicy(policy, keyEndpoint)).violations).toHaveLength(1);
    expect(resolveAmlAuthGuard().initialConfig).toEqual({});
  });

  it("refuses unknown keys at compile time and at run time, listing the valid ones", () => {
    expect(() =>
      resolveAmlAuthGuard({
        // @ts-expect-error misspelt policy key
        mlEndpointAuthExlusive: "mandatory",
      }),
    ).toThrow(
      'aml-auth-guard: unknown configuration key "mlEndpointAuthExlusive"; valid keys are all, mlEndpointAuthExclusive, ' +
        "mlEndpointAuthRequired, mlEndpointTokenComputeSupported, mlEndpointTokenSameRegion, mlEndpointAllowedAuthModes, " +
        "mlKubernetesExtensionTls, mlWorkspacePublicNetworkDisabled, mlWorkspaceNoV1LegacyMode, mlComputeLocalAuthDisabled, " +
        "storageNoPublicBlobAccess, acrAdminUserDisabled, keyvaultPurgeProtection",
    );
    const kebab = JSON.parse('{"ml-endpoint-auth-exclusive": "advisory"}') as AmlAuthGuardArgs;
    expect(() => resolveAmlAuthGuard(kebab)).toThrow('unknown configuration key "ml-endpoint-auth-exclusive"');
  });

  it("refuses invalid levels and settings", () => {
    const badLevel = JSON.parse('{"all": "warn"}') as AmlAuthGuardArgs;
    expect(() => resolveAmlAuthGuard(badLevel)).toThrow('aml-auth-guard: all must be one of advisory, mandatory, remediate, disabled; got "warn"');
    const settingsOnPlainPolicy = JSON.parse('{"mlKubernetesExtensionTls": {"enforcementLevel": "mandatory"}}') as AmlAuthGuardArgs;
    expect(() => resolveAmlAuthGuard(settingsOnPlainPolicy)).toThrow("aml-auth-guard: mlKubernetesExtensionTls must be an enforcement level");
    expect(() =>
      resolveAmlAuthGuard({
        // @ts-expect-error unknown setting
        mlEndpointAllowedAuthModes: { allowedModes: ["Key"] },
      }),
    ).toThrow('aml-auth-guard: unknown setting "allowedModes" in mlEndpointAllowedAuthModes; valid settings are enforcementLevel, allowedAuthModes');
    expect(() =>
      resolveAmlAuthGuard({
        // @ts-expect-error not an auth mode
        mlEndpointAllowedAuthModes: { allowedAuthModes: ["Anonymous"] },
      }),
    ).toThrow('allowedAuthModes contains "Anonymous"');
  });
});
