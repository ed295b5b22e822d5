import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { recordedResource } from "./helpers";
import type {
  AnalyzeDiagnostic,
  AnalyzerInfo,
  AnalyzerResource,
  AnalyzerStackResource,
  PolicyConfigEntry,
  Remediation,
  StackConfiguration,
} from "../../plan/analyzer";
import { PlanConfigError, PolicyPackError } from "../../plan/planErrors";
import { engineProperties } from "../../plan/wireValues";
import {
  ANALYZE_CALLS_IN_FLIGHT,
  evaluatePolicies,
  loadPolicyPackConfig,
  reconcilePolicyConfig,
  rootStackUrn,
  type PolicyAnalyzerCalls,
} from "../../plan/policyEvaluation";
import type { RecordedResource } from "../../plan/recordedResource";
import { RESOURCE_REFERENCE_SIG, SECRET_SIG, SIG_KEY, UNKNOWN } from "../../plan/wireValues";

const INFO: AnalyzerInfo = {
  name: "pack",
  version: "1.0.0",
  displayName: "",
  description: "",
  supportsConfig: true,
  initialConfig: {},
  policies: [
    { name: "a", displayName: "", description: "A", enforcementLevel: "advisory", policyType: "resource" },
    {
      name: "b",
      displayName: "",
      description: "B",
      enforcementLevel: "mandatory",
      policyType: "stack",
      configSchema: {
        properties: { limit: { type: "integer", default: 5 }, names: { type: "array", items: { type: "string" } } },
        required: [],
      },
    },
    {
      name: "c",
      displayName: "",
      description: "C",
      enforcementLevel: "advisory",
      policyType: "resource",
      configSchema: { properties: { region: { type: "string" } }, required: ["region"] },
    },
  ],
};

const withRegion = { c: { properties: { region: "westeurope" } } };
/** a pack config under which a policy remediates, so the engine calls Remediate */
const REMEDIATING: Record<string, PolicyConfigEntry> = { a: { enforcementLevel: "remediate" } };

describe("reconcilePolicyConfig (the engine's config: defaults, initial config, file)", () => {
  it("fills every policy with its level and its schema defaults", () => {
    const config = reconcilePolicyConfig(INFO, withRegion);
    expect(config).toEqual({
      a: { enforcementLevel: "advisory", properties: {} },
      b: { enforcementLevel: "mandatory", properties: { limit: 5 } },
      c: { enforcementLevel: "advisory", properties: { region: "westeurope" } },
    });
  });

  it("applies 'all' first, then per-policy levels and properties over the defaults", () => {
    const config = reconcilePolicyConfig(INFO, {
      all: { enforcementLevel: "disabled" },
      a: { enforcementLevel: "mandatory" },
      b: { properties: { limit: 2 } },
      ...withRegion,
    });
    expect(config.a).toEqual({ enforcementLevel: "mandatory", properties: {} });
    expect(config.b).toEqual({ enforcementLevel: "disabled", properties: { limit: 2 } });
    expect(config.c!.enforcementLevel).toBe("disabled");
    expect(config).not.toHaveProperty("all");
  });

  it("applies the pack's initial config before the file", () => {
    const info = { ...INFO, initialConfig: { b: { enforcementLevel: "advisory", properties: { limit: 9 } } } } as AnalyzerInfo;
    expect(reconcilePolicyConfig(info, withRegion).b).toEqual({ enforcementLevel: "advisory", properties: { limit: 9 } });
    expect(reconcilePolicyConfig(info, { ...withRegion, b: { properties: { limit: 1 } } }).b!.properties).toEqual({ limit: 1 });
  });

  it("refuses a config naming a policy the pack does not have, and says which", () => {
    expect(() => reconcilePolicyConfig(INFO, { ...withRegion, nosuch: { enforcementLevel: "mandatory" } }, "cfg.json")).toThrow(
      PlanConfigError,
    );
    expect(() => reconcilePolicyConfig(INFO, { ...withRegion, nosuch: { enforcementLevel: "mandatory" } }, "cfg.json")).toThrow(
      /cfg.json names a policy that policy pack 'pack' does not have: 'nosuch'/,
    );
  });

  it("validates the result against each policy's schema", () => {
    expect(() => reconcilePolicyConfig(INFO, {})).toThrow(/c: 'region' is required/);
    expect(() => reconcilePolicyConfig(INFO, { ...withRegion, b: { properties: { limit: "many" } } })).toThrow(/b: 'limit'/);
    expect(() => reconcilePolicyConfig(INFO, { ...withRegion, b: { properties: { names: [1] } } })).toThrow(/b: 'names.0'/);
  });
});

describe("loadPolicyPackConfig (the --policy-pack-config file format)", () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));
  const file = (content: string): string => {
    const dir = mkdtempSync(path.join(tmpdir(), "aml-plan-config-"));
    dirs.push(dir);
    const f = path.join(dir, "config.json");
    writeFileSync(f, content);
    return f;
  };

  it("reads levels and objects with enforcementLevel and properties", () => {
    expect(loadPolicyPackConfig(file(`{"all": "advisory", "a": "mandatory", "b": {"enforcementLevel": "disabled", "limit": 3}, "c": {"region": "x"}}`))).toEqual({
      all: { enforcementLevel: "advisory" },
      a: { enforcementLevel: "mandatory" },
      b: { enforcementLevel: "disabled", properties: { limit: 3 } },
      c: { properties: { region: "x" } },
    });
    expect(loadPolicyPackConfig(file("  \n"))).toEqual({});
  });

  it("refuses invalid levels, values and JSON", () => {
    expect(() => loadPolicyPackConfig(file(`{"a": "strict"}`))).toThrow(/'a': "strict" is not a valid enforcement level/);
    expect(() => loadPolicyPackConfig(file(`{"a": {"enforcementLevel": 1}}`))).toThrow(/not a valid enforcement level/);
    expect(() => loadPolicyPackConfig(file(`{"a": 3}`))).toThrow(/must be an enforcement level or an object/);
    expect(() => loadPolicyPackConfig(file(`{"a": `))).toThrow(/not valid JSON/);
    expect(() => loadPolicyPackConfig("/nonexistent/config.json")).toThrow(/does not exist/);
  });
});

describe("engineProperties (what the engine marshals for an analyzer)", () => {
  it("keeps secrets and unknowns, drops internal keys, turns resource references into ids or URNs", () => {
    const secret = { [SIG_KEY]: SECRET_SIG, value: "s" };
    expect(
      engineProperties({
        plain: "x",
        secret,
        unknown: UNKNOWN,
        __internal: "dropped",
        nested: { __defaults: [], keep: [1, { __meta: "x", ok: true }] },
        custom: { [SIG_KEY]: RESOURCE_REFERENCE_SIG, urn: "urn:a", id: "/subscriptions/1/rg" },
        pendingCustom: { [SIG_KEY]: RESOURCE_REFERENCE_SIG, urn: "urn:b", id: "" },
        component: { [SIG_KEY]: RESOURCE_REFERENCE_SIG, urn: "urn:c" },
      }),
    ).toEqual({
      plain: "x",
      secret,
      unknown: UNKNOWN,
      nested: { keep: [1, { ok: true }] },
      custom: "/subscriptions/1/rg",
      pendingCustom: UNKNOWN,
      component: "urn:c",
    });
  });
});

const STACK_URN = rootStackUrn("proj", "dev");
const record = recordedResource;

const RESOURCES: RecordedResource[] = [
  record({ urn: STACK_URN, type: "pulumi:pulumi:Stack", name: "proj-dev", custom: false }),
  record({
    urn: "urn:pulumi:dev::proj::pulumi:providers:azure-native::eu",
    type: "pulumi:providers:azure-native",
    name: "eu",
    parent: STACK_URN,
    inputs: { location: "westeurope" },
  }),
  record({ urn: "urn:pulumi:dev::proj::my:index:Component::comp", type: "my:index:Component", name: "comp", custom: false, parent: STACK_URN }),
  record({
    urn: "urn:pulumi:dev::proj::my:index:Component$azure-native:resources:ResourceGroup::rg",
    type: "azure-native:resources:ResourceGroup",
    name: "rg",
    parent: "urn:pulumi:dev::proj::my:index:Component::comp",
    provider: "urn:pulumi:dev::proj::pulumi:providers:azure-native::eu::" + UNKNOWN,
    protect: true,
    inputs: { resourceGroupName: "rg", tags: { a: "1" } },
    outputs: { resourceGroupName: "rg", tags: { a: "1" }, computed: UNKNOWN },
    dependencies: ["urn:pulumi:dev::proj::pulumi:providers:azure-native::eu"],
    propertyDependencies: { tags: [] },
  }),
];

/** A scripted analyzer that records every call. */
class FakeAnalyzer implements PolicyAnalyzerCalls {
  calls: string[] = [];
  analyzed: AnalyzerResource[] = [];
  stack: AnalyzerStackResource[] = [];
  configured: Record<string, PolicyConfigEntry> = {};
  stackConfiguration: StackConfiguration | undefined;
  constructor(
    private readonly script: {
      remediate?: (r: AnalyzerResource) => Remediation[];
      analyze?: (r: AnalyzerResource) => AnalyzeDiagnostic[];
      analyzeStack?: (rs: AnalyzerStackResource[]) => AnalyzeDiagnostic[];
    },
  ) {}
  async getAnalyzerInfo(): Promise<AnalyzerInfo> {
    this.calls.push("getAnalyzerInfo");
    return { ...INFO, policies: INFO.policies.filter((p) => p.name !== "c") };
  }
  async configure(config: Record<string, PolicyConfigEntry>): Promise<void> {
    this.calls.push("configure");
    this.configured = config;
  }
  async configureStack(configuration: StackConfiguration): Promise<void> {
    this.calls.push("configureStack");
    this.stackConfiguration = configuration;
  }
  async remediate(r: AnalyzerResource): Promise<Remediation[]> {
    this.calls.push(`remediate ${r.name}`);
    return this.script.remediate?.(r) ?? [];
  }
  async analyze(r: AnalyzerResource): Promise<AnalyzeDiagnostic[]> {
    this.calls.push(`analyze ${r.name}`);
    this.analyzed.push(r);
    return this.script.analyze?.(r) ?? [];
  }
  async analyzeStack(resources: Iterable<AnalyzerStackResource>): Promise<AnalyzeDiagnostic[]> {
    this.calls.push("analyzeStack");
    this.stack = [...resources];
    return this.script.analyzeStack?.(this.stack) ?? [];
  }
}

const diagnostic = (policyName: string, enforcementLevel: AnalyzeDiagnostic["enforcementLevel"], message: string, urn?: string): AnalyzeDiagnostic => ({
  policyName,
  policyPackName: "pack",
  policyPackVersion: "1.0.0",
  description: `${policyName} description`,
  message,
  enforcementLevel,
  ...(urn ? { urn } : {}),
});

describe("evaluatePolicies (the engine's calls during preview)", () => {
  it("configures, then analyzes every resource in registration order, then analyzes the stack; no Remediate when no policy remediates", async () => {
    const analyzer = new FakeAnalyzer({});
    await evaluatePolicies(analyzer, RESOURCES, { project: "proj", stack: "dev" });
    expect(analyzer.calls).toEqual([
      "getAnalyzerInfo",
      "configure",
      "configureStack",
      "analyze proj-dev",
      "analyze eu",
      "analyze comp",
      "analyze rg",
      "analyzeStack",
    ]);
    expect(analyzer.configured.b).toEqual({ enforcementLevel: "mandatory", properties: { limit: 5 } });
    expect(analyzer.stackConfiguration).toMatchObject({ stack: "dev", project: "proj", dryRun: true });
  });

  it("remediates each resource before analyzing it when a policy is configured to remediate", async () => {
    const analyzer = new FakeAnalyzer({});
    await evaluatePolicies(analyzer, RESOURCES, { project: "proj", stack: "dev", packConfig: REMEDIATING });
    const perResource = RESOURCES.map((r) => analyzer.calls.filter((call) => call.endsWith(` ${r.name}`)));
    expect(perResource).toEqual(RESOURCES.map((r) => [`remediate ${r.name}`, `analyze ${r.name}`]));
    expect(analyzer.calls.slice(0, 3)).toEqual(["getAnalyzerInfo", "configure", "configureStack"]);
    expect(analyzer.calls.at(-1)).toBe("analyzeStack");
  });

  it("keeps several resources in flight and reports in registration order whatever order the answers come in", async () => {
    const many = Array.from({ length: 40 }, (_, i) =>
      recordedResource({ urn: `urn:pulumi:dev::proj::x:y:Z::r${i}`, type: "x:y:Z", name: `r${i}` }),
    );
    let inFlight = 0;
    let mostInFlight = 0;
    const analyzer = new FakeAnalyzer({});
    analyzer.analyze = async (r) => {
      inFlight++;
      mostInFlight = Math.max(mostInFlight, inFlight);
      // later resources answer first
      await new Promise((resolve) => setTimeout(resolve, 40 - Number(r.name.slice(1))));
      inFlight--;
      return [diagnostic("a", "advisory", `seen ${r.name}`)];
    };
    const evaluation = await evaluatePolicies(analyzer, many, { project: "proj", stack: "dev" });
    expect(mostInFlight).toBe(ANALYZE_CALLS_IN_FLIGHT);
    expect(evaluation.results.map((r) => r.message)).toEqual(many.map((r) => `seen ${r.name}`));
  });

  it("throws the failure of the earliest resource when several fail, after every started call settled", async () => {
    const analyzer = new FakeAnalyzer({});
    let settled = 0;
    analyzer.analyze = async (r) => {
      await new Promise((resolve) => setTimeout(resolve, r.name === "eu" ? 30 : 1));
      settled++;
      if (r.name === "eu" || r.name === "rg") throw new PolicyPackError(`pack failed on ${r.name}`);
      return [];
    };
    await expect(evaluatePolicies(analyzer, RESOURCES, { project: "proj", stack: "dev" })).rejects.toThrow(
      /pack failed on eu\n  \(while checking pulumi:providers:azure-native eu/,
    );
    expect(settled).toBe(RESOURCES.length);
  });

  it("fails with the run when the run fails while the pack is being configured, never as an unhandled rejection", async () => {
    const analyzer = new (class extends FakeAnalyzer {
      override async getAnalyzerInfo(): Promise<AnalyzerInfo> {
        await new Promise((resolve) => setTimeout(resolve, 50));
        return super.getAnalyzerInfo();
      }
    })({});
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
    process.on("unhandledRejection", onUnhandled);
    try {
      const failedRun = Promise.reject(new Error("the program failed"));
      await expect(evaluatePolicies(analyzer, failedRun, { project: "proj", stack: "dev" })).rejects.toThrow("the program failed");
      expect(analyzer.calls).toEqual(["getAnalyzerInfo", "configure", "configureStack"]);
    } finally {
      process.off("unhandledRejection", onUnhandled);
    }
    expect(unhandled).toEqual([]);
  });

  it("sends inputs, options and the explicit provider to Analyze; outputs and relations to AnalyzeStack", async () => {
    const analyzer = new FakeAnalyzer({});
    await evaluatePolicies(analyzer, RESOURCES, { project: "proj", stack: "dev" });
    const rg = analyzer.analyzed.find((r) => r.name === "rg")!;
    expect(rg.properties).toEqual({ resourceGroupName: "rg", tags: { a: "1" } });
    expect(rg.options).toEqual({ protect: true, parent: "urn:pulumi:dev::proj::my:index:Component::comp" });
    expect(rg.provider).toEqual({
      urn: "urn:pulumi:dev::proj::pulumi:providers:azure-native::eu",
      type: "pulumi:providers:azure-native",
      name: "eu",
      properties: { location: "westeurope" },
    });
    const stackRg = analyzer.stack.find((r) => r.name === "rg")!;
    expect(stackRg.properties).toEqual({ resourceGroupName: "rg", tags: { a: "1" }, computed: UNKNOWN });
    expect(stackRg.parent).toBe("urn:pulumi:dev::proj::my:index:Component::comp");
    expect(stackRg.dependencies).toEqual(["urn:pulumi:dev::proj::pulumi:providers:azure-native::eu"]);
    expect(stackRg.propertyDependencies).toEqual({ tags: [] });
    expect(analyzer.stack).toHaveLength(RESOURCES.length);
  });

  it("applies remediations before Analyze and to the stack's view, and reports them", async () => {
    const analyzer = new FakeAnalyzer({
      remediate: (r) =>
        r.name === "rg"
          ? [{ policyName: "a", policyPackName: "pack", policyPackVersion: "1.0.0", description: "tag it", properties: { ...r.properties, tags: { a: "1", fixed: "yes" } } }]
          : [],
    });
    const evaluation = await evaluatePolicies(analyzer, RESOURCES, { project: "proj", stack: "dev", packConfig: REMEDIATING });
    expect(analyzer.analyzed.find((r) => r.name === "rg")!.properties).toEqual({ resourceGroupName: "rg", tags: { a: "1", fixed: "yes" } });
    expect(analyzer.stack.find((r) => r.name === "rg")!.properties).toEqual({
      resourceGroupName: "rg",
      tags: { a: "1", fixed: "yes" },
      computed: UNKNOWN,
    });
    expect(evaluation.remediatedInputs[RESOURCES[3]!.urn]).toEqual({ resourceGroupName: "rg", tags: { a: "1", fixed: "yes" } });
    expect(evaluation.results).toEqual([
      expect.objectContaining({ policy: "a", enforcementLevel: "remediate", message: "tag it", urn: RESOURCES[3]!.urn, stage: "remediate" }),
    ]);
  });

  it("reports remediate as mandatory, drops disabled, and uses the analyzed resource's URN", async () => {
    const analyzer = new FakeAnalyzer({
      analyze: (r) =>
        r.name === "rg"
          ? [
              diagnostic("a", "remediate", "still wrong"),
              diagnostic("a", "disabled", "hidden"),
              diagnostic("a", "advisory", "note", "urn:some:other"),
            ]
          : [],
      remediate: (r) => (r.name === "comp" ? [{ policyName: "a", policyPackName: "pack", policyPackVersion: "1.0.0", description: "", diagnostic: "can't run during preview" }] : []),
    });
    const evaluation = await evaluatePolicies(analyzer, RESOURCES, { project: "proj", stack: "dev", packConfig: REMEDIATING });
    expect(evaluation.results.map((r) => [r.enforcementLevel, r.message, r.urn])).toEqual([
      ["advisory", "can't run during preview", RESOURCES[2]!.urn],
      ["mandatory", "still wrong", RESOURCES[3]!.urn],
      ["advisory", "note", RESOURCES[3]!.urn],
    ]);
  });

  it("reports AnalyzeStack results against their resource, or the stack when the URN is not in it", async () => {
    const analyzer = new FakeAnalyzer({
      analyzeStack: () => [
        diagnostic("b", "mandatory", "too many", RESOURCES[3]!.urn),
        diagnostic("b", "advisory", "elsewhere", "urn:not:here"),
        diagnostic("b", "advisory", "stack-wide"),
      ],
    });
    const evaluation = await evaluatePolicies(analyzer, RESOURCES, { project: "proj", stack: "dev" });
    expect(evaluation.results.map((r) => [r.policy, r.enforcementLevel, r.urn, r.stage])).toEqual([
      ["b", "mandatory", RESOURCES[3]!.urn, "analyzeStack"],
      ["b", "advisory", STACK_URN, "analyzeStack"],
      ["b", "advisory", STACK_URN, "analyzeStack"],
    ]);
  });

  it("stops before any resource is analyzed when the pack config is invalid", async () => {
    const analyzer = new FakeAnalyzer({});
    await expect(
      evaluatePolicies(analyzer, RESOURCES, { project: "proj", stack: "dev", packConfig: { ghost: { enforcementLevel: "mandatory" } } }),
    ).rejects.toThrow(/'ghost'/);
    expect(analyzer.calls).toEqual(["getAnalyzerInfo"]);
  });
});
