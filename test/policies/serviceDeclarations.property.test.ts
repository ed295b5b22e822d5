import * as path from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PolicyAnalyzer } from "../../plan/analyzer";
import { loadPolicyPackConfig, reconcilePolicyConfig } from "../../plan/policyEvaluation";
import { mlEndpointAllowedAuthModes } from "../../policies/rules/ml-endpoint-allowed-auth-modes";
import { mlEndpointAuthExclusive } from "../../policies/rules/ml-endpoint-auth-exclusive";
import { mlEndpointAuthRequired } from "../../policies/rules/ml-endpoint-auth-required";
import { mlEndpointTokenComputeSupported } from "../../policies/rules/ml-endpoint-token-compute-supported";
import { PROJECT_DIR } from "../harness/stackRun";
import { runResourcePolicy } from "./policyHarness";
import { type AuthMode, AUTH_POLICIES, serviceDeclarationArbitrary } from "./serviceDeclarations";

const POLICIES = [mlEndpointAuthExclusive, mlEndpointAuthRequired, mlEndpointTokenComputeSupported, mlEndpointAllowedAuthModes];

describe("the auth policies agree with the rules, however a service is written", () => {
  it("through the policy harness", async () => {
    await fc.assert(
      fc.asyncProperty(serviceDeclarationArbitrary, async (declaration) => {
        const failing: string[] = [];
        for (const policy of POLICIES) {
          const config = policy === mlEndpointAllowedAuthModes ? { allowedAuthModes: [...declaration.allowedAuthModes] } : undefined;
          const run = await runResourcePolicy(policy, declaration.resource, { config });
          // Every value is known: nothing may be left for update, nor skipped as not applicable.
          expect(run.previewAdvisory).toBeUndefined();
          expect(run.notApplicable).toBeUndefined();
          if (run.violations.length > 0) failing.push(policy.name);
        }
        expect(failing.sort()).toEqual(declaration.expected);
      }),
      { numRuns: 400 },
    );
  });
});

describe("the auth policies agree with the rules in the analyzer process", () => {
  // The pack as the CLI spawns it, under the prod config: every auth policy mandatory, tokens only.
  const packDir = path.join(PROJECT_DIR, "policies");
  const analyzer = new PolicyAnalyzer({ packDir });
  const PROD_ALLOWED: AuthMode[] = ["AMLToken", "AADToken"];
  beforeAll(async () => {
    await analyzer.start();
    const info = await analyzer.getAnalyzerInfo();
    await analyzer.configure(reconcilePolicyConfig(info, loadPolicyPackConfig(path.join(packDir, "config", "prod.json"))));
  });
  afterAll(() => analyzer.shutdown());

  it("over gRPC", async () => {
    const prodDeclarations = serviceDeclarationArbitrary.filter(
      (d) => d.allowedAuthModes.length === PROD_ALLOWED.length && PROD_ALLOWED.every((m) => d.allowedAuthModes.includes(m)),
    );
    await fc.assert(
      fc.asyncProperty(prodDeclarations, async ({ resource, expected }) => {
        const diagnostics = await analyzer.analyze({
          urn: `urn:pulumi:prod::generated::${resource.type}::${resource.name}`,
          type: resource.type,
          name: resource.name,
          properties: resource.props as never,
          options: { protect: false },
        });
        const auth: readonly string[] = AUTH_POLICIES;
        const failing = [...new Set(diagnostics.map((d) => d.policyName).filter((name) => auth.includes(name)))].sort();
        expect(diagnostics.filter((d) => auth.includes(d.policyName)).every((d) => d.enforcementLevel === "mandatory")).toBe(true);
        expect(failing).toEqual(expected);
      }),
      { numRuns: 60 },
    );
  }, 60_000);
});
