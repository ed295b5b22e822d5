import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PolicyAnalyzer } from "../../plan/analyzer";
import { evaluatePolicies, loadPolicyPackConfig, type PolicyResult } from "../../plan/policyEvaluation";
import type { MockRunResult } from "../../plan/mockRun";
import { PROJECT_DIR, sharedStackRun, STACKS, type StackRunOptions } from "../harness/stackRun";

// The whole pack, in its own process as the CLI runs it, over the recorded resources of our stacks.
const packDir = path.join(PROJECT_DIR, "policies");
const analyzer = new PolicyAnalyzer({ packDir });
beforeAll(() => analyzer.start());
afterAll(() => analyzer.shutdown());

async function evaluate(stack: string, run: MockRunResult): Promise<PolicyResult[]> {
  expect(run.errors).toEqual([]);
  const evaluation = await evaluatePolicies(analyzer, run.resources, {
    project: "aml-webservices",
    stack,
    packConfig: loadPolicyPackConfig(path.join(packDir, "config", `${stack}.json`)),
  });
  return evaluation.results;
}

const mandatory = (results: PolicyResult[]) => results.filter((r) => r.enforcementLevel === "mandatory");
const resourceName = (urn: string) => urn.split("::").pop();

describe.each(STACKS)("stack %s under its own pack config", (stack) => {
  it.each([true, false])("has no mandatory violation (preview: %s)", async (preview) => {
    const results = await evaluate(stack, await sharedStackRun(stack, { preview }));
    expect(mandatory(results)).toEqual([]);
  });

  it("leaves no check deferred once every value is known", async () => {
    const results = await evaluate(stack, await sharedStackRun(stack, { preview: false }));
    expect(results.filter((r) => r.message.includes("during preview"))).toEqual([]);
  });
});

const prodCluster = { nodeCount: 3, vmSize: "Standard_D8s_v5" };
const tls = { hostname: "scoring.example.com", certificate: "-----BEGIN CERTIFICATE-----", privateKey: "-----BEGIN PRIVATE KEY-----" };

describe("mutated stacks fail with the expected policy", () => {
  const cases: { name: string; stack: string; mutation: StackRunOptions; policy: string; resource: string }[] = [
    {
      name: "an insecure cluster in prod",
      stack: "prod",
      mutation: { override: { aksCluster: { ...prodCluster, allowInsecureConnections: true } } },
      policy: "ml-kubernetes-extension-tls",
      resource: "inference-azureml-extension",
    },
    {
      name: "a cross-region cluster with allowCrossRegion in staging",
      stack: "staging",
      mutation: { override: { aksCluster: { nodeCount: 3, tls, location: "northeurope", allowCrossRegion: true } } },
      policy: "ml-endpoint-token-same-region",
      resource: "credit-score-endpoint",
    },
    {
      name: "a key endpoint in prod, where only token modes are allowed",
      stack: "prod",
      mutation: {
        preview: false,
        override: { services: [{ name: "credit-score", compute: "aks", auth: "key", model: "credit-risk:3" }] },
      },
      policy: "ml-endpoint-allowed-auth-modes",
      resource: "credit-score-endpoint",
    },
    {
      name: "a public workspace in prod",
      stack: "prod",
      mutation: { override: { workspace: { publicNetworkAccess: "Enabled", protect: true } } },
      policy: "ml-workspace-public-network-disabled",
      resource: "platform-workspace",
    },
  ];

  it.each(cases)("$name: $policy", async ({ stack, mutation, policy, resource }) => {
    const results = mandatory(await evaluate(stack, await sharedStackRun(stack, { preview: true, ...mutation })));
    expect(results.map((r) => r.policy)).toContain(policy);
    expect(results.filter((r) => r.policy === policy).map((r) => resourceName(r.urn))).toContain(resource);
    // and no other mandatory policy fires
    expect(new Set(results.map((r) => r.policy))).toEqual(new Set([policy]));
  });

  it("explains the cross-region violation with both regions", async () => {
    const run = await sharedStackRun("staging", { override: { aksCluster: { nodeCount: 3, tls, location: "northeurope", allowCrossRegion: true } } });
    const [violation] = mandatory(await evaluate("staging", run)).filter((r) => r.policy === "ml-endpoint-token-same-region");
    expect(violation?.message).toContain("northeurope");
    expect(violation?.message).toContain("westeurope");
    expect(run.messages.map((m) => m.severity)).toEqual(["warning"]);
  });
});
