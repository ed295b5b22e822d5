import { describe, expect, it } from "vitest";
import { recordedResource } from "./helpers";
import type { PolicyEvaluation, PolicyResult } from "../../plan/policyEvaluation";
import type { RecordedResource } from "../../plan/recordedResource";
import { renderJson, toJsonReport } from "../../plan/report/jsonReport";
import { COLLAPSE_AFTER, mermaidGraph, renderMarkdown } from "../../plan/report/markdownReport";
import { buildPlanModel, exitCodeOf, type PlanModel } from "../../plan/report/planModel";
import { renderText } from "../../plan/report/textReport";
import { SecretScrubber } from "../../plan/secretScrubber";
import { SECRET_SIG, SIG_KEY, UNKNOWN } from "../../plan/wireValues";

const STACK = "urn:pulumi:dev::proj::pulumi:pulumi:Stack::proj-dev";
const COMP = "urn:pulumi:dev::proj::my:index:Service::svc";
const EP = "urn:pulumi:dev::proj::my:index:Service$azure-native:machinelearningservices:OnlineEndpoint::svc-endpoint";
const RG = "urn:pulumi:dev::proj::azure-native:resources:ResourceGroup::rg";
const KEY = "Zq8s-very-secret-primary-key";
const PASSWORD = "hunter2-but-longer";

const resource = recordedResource;

const RESOURCES: RecordedResource[] = [
  resource({ urn: STACK, type: "pulumi:pulumi:Stack", name: "proj-dev", custom: false }),
  resource({ urn: RG, type: "azure-native:resources:ResourceGroup", name: "rg", parent: STACK, protect: true, inputs: { resourceGroupName: "rg" } }),
  resource({ urn: COMP, type: "my:index:Service", name: "svc", parent: STACK, custom: false }),
  resource({
    urn: EP,
    type: "azure-native:machinelearningservices:OnlineEndpoint",
    name: "svc-endpoint",
    parent: COMP,
    dependencies: [RG],
    inputs: {
      resourceGroupName: UNKNOWN,
      // the SDK makes the whole properties object secret when a key is
      properties: { [SIG_KEY]: SECRET_SIG, value: { authMode: "Key", keys: { primaryKey: KEY } } },
      tags: { password: { [SIG_KEY]: SECRET_SIG, value: PASSWORD } },
    },
  }),
];

const result = (r: Partial<PolicyResult> & Pick<PolicyResult, "policy" | "enforcementLevel" | "message" | "urn">): PolicyResult => ({
  policyPack: "pack",
  policyPackVersion: "1.0.0",
  description: "",
  stage: "analyze",
  phase: "preview",
  ...r,
});

const EVALUATION: PolicyEvaluation = {
  pack: { name: "pack", version: "1.0.0", displayName: "" },
  policies: [],
  config: {},
  remediatedInputs: { [RG]: { resourceGroupName: "rg", tags: { managedBy: "plan" } } },
  results: [
    result({ policy: "advice", enforcementLevel: "advisory", message: "consider | this\nsecond line", urn: EP }),
    result({ policy: "tagging", enforcementLevel: "remediate", message: "tagged", urn: RG, stage: "remediate" }),
    result({ policy: "quoting", enforcementLevel: "mandatory", message: `key ${KEY} and password ${PASSWORD} with authMode Key`, urn: EP }),
    result({ policy: "stack-rule", enforcementLevel: "mandatory", message: "<b>too many</b>", urn: STACK, stage: "analyzeStack" }),
  ],
};

function model(resources = RESOURCES, evaluation = EVALUATION): PlanModel {
  const scrubber = new SecretScrubber();
  for (const r of resources) scrubber.addSecretsIn(r.inputs);
  return buildPlanModel({
    stack: "dev",
    project: "proj",
    projectDir: "/work/proj",
    packDir: "/work/proj/policies",
    packConfigFile: "/work/proj/policies/config/dev.json",
    resources,
    evaluation,
    programMessages: [{ severity: "warning", message: "careful" }],
    warnings: ["secret config is not decrypted"],
    scrubber,
  });
}

describe("the plan model", () => {
  it("orders results mandatory first, then advisory, then remediations, each in registration order", () => {
    const m = model();
    expect(m.violations.map((v) => [v.enforcementLevel, v.policy])).toEqual([
      ["mandatory", "stack-rule"],
      ["mandatory", "quoting"],
      ["advisory", "advice"],
      ["remediate", "tagging"],
    ]);
    expect(m.summary).toEqual({ resources: 4, mandatory: 2, advisory: 1, deferred: 0, undecided: 0 });
    expect(m.violations.map((v) => v.deferredToUpdate)).toEqual([false, false, false, false]);
    expect(exitCodeOf(m)).toBe(1);
    expect(exitCodeOf(model(RESOURCES, { ...EVALUATION, results: EVALUATION.results.filter((r) => r.enforcementLevel !== "mandatory") }))).toBe(0);
  });

  it("shows inputs after remediation, with secrets and unknowns redacted", () => {
    const m = model();
    expect(m.resources.find((r) => r.urn === RG)!.inputs).toEqual({ resourceGroupName: "rg", tags: { managedBy: "plan" } });
    expect(m.resources.find((r) => r.urn === EP)!.inputs).toEqual({
      resourceGroupName: "(known after apply)",
      properties: "[secret]",
      tags: { password: "[secret]" },
    });
  });

  it("scrubs secret plaintexts quoted in messages, but keeps the readable parts of a secret object", () => {
    const message = model().violations.find((v) => v.policy === "quoting")!.message;
    expect(message).toBe("key [secret] and password [secret] with authMode Key");
  });
});

describe("text report", () => {
  const text = renderText(model());

  it("draws the resource tree parent → children as `type name`", () => {
    expect(text).toContain(
      [
        "Resources (4):",
        "  pulumi:pulumi:Stack proj-dev",
        "  ├─ azure-native:resources:ResourceGroup rg (protected)",
        "  └─ my:index:Service svc",
        "     └─ azure-native:machinelearningservices:OnlineEndpoint svc-endpoint",
      ].join("\n"),
    );
  });

  it("counts resources by type", () => {
    expect(text).toMatch(/Resources by type:\n(\s+1\s+\S+\n){4}/);
    expect(text).toMatch(/^\s+1\s+azure-native:machinelearningservices:OnlineEndpoint$/m);
  });

  it("groups policy results by level, mandatory first, with policy, resource and message", () => {
    const mandatory = text.indexOf("Mandatory (2):");
    const advisory = text.indexOf("Advisory (1):");
    const remediated = text.indexOf("Remediated (applied to the plan) (1):");
    expect(mandatory).toBeGreaterThan(0);
    expect(advisory).toBeGreaterThan(mandatory);
    expect(remediated).toBeGreaterThan(advisory);
    expect(text).toContain(
      "    - [mandatory] quoting  (azure-native:machinelearningservices:OnlineEndpoint svc-endpoint)  [preview only]\n        key [secret] and password [secret] with authMode Key",
    );
    expect(text).toContain("        consider | this\n        second line");
    expect(text).not.toContain("Deferred in preview");
  });

  it("ends with a summary line", () => {
    expect(text.trimEnd().split("\n").pop()).toBe(
      "Summary: proj/dev: 4 resources, 2 mandatory, 1 advisory (blocked: 2 mandatory policy violations)",
    );
    expect(text).toContain("warning: careful");
    expect(text).toContain("does not replace `pulumi preview`");
  });

  it("never prints a secret", () => {
    expect(text).not.toContain(KEY);
    expect(text).not.toContain(PASSWORD);
  });
});

describe("markdown report", () => {
  const md = renderMarkdown(model());

  it("has a verdict, a table of counts and the mandatory results open", () => {
    expect(md).toMatch(/^### Offline plan: `proj` \/ `dev`/);
    expect(md).toContain("2 mandatory policy violations");
    expect(md).toContain("| Resources | Mandatory | Advisory | Deferred in preview | Undecided |\n| ---: | ---: | ---: | ---: | ---: |\n| 4 | 2 | 1 | 0 | 0 |\n");
    expect(md).toContain("#### Mandatory policy violations");
    expect(md).toContain("| `stack-rule` | pulumi:pulumi:Stack proj-dev | preview only | &lt;b&gt;too many&lt;/b&gt; |");
    expect(md).toContain("does not replace `pulumi preview`");
  });

  it("collapses advisory results, remediations and the resource tree; escapes table cells", () => {
    expect(md).toMatch(/<details>\n<summary>Advisory policy results \(1\)<\/summary>\n\n\| Policy/);
    expect(md).toContain("consider \\| this<br>second line");
    expect(md).toContain("<summary>Remediations applied to the plan (1)</summary>");
    expect(md).toMatch(/<summary>Resource tree \(4\)<\/summary>\n\n```+text\n/);
    expect(md).not.toContain("<summary>Deferred in preview");
  });

  it("draws a Mermaid graph of dependencies (solid) and parents (dotted) with safe node ids", () => {
    expect(md).toMatch(/```+mermaid\nflowchart LR\n/);
    const graph = mermaidGraph(model());
    expect(graph).toContain('  r3["azure-native:machinelearningservices:OnlineEndpoint<br/>svc-endpoint"]');
    expect(graph).toContain("  r3 --> r1"); // endpoint depends on the resource group
    expect(graph).toContain("  r2 -.-> r3"); // component is the endpoint's parent
    expect(graph.join("\n")).not.toContain("r0 -.->"); // the stack's children are not drawn as parent edges
    for (const line of graph.slice(1)) expect(line).toMatch(/^  (r\d+\[".*"\]|r\d+ (-->|-\.->) r\d+)$/);
  });

  it("escapes quotes and brackets in Mermaid labels", () => {
    const odd = resource({ urn: "urn:pulumi:dev::proj::x:y:Z::a\"b<c>", type: "x:y:Z", name: 'a"b<c>', parent: STACK });
    const graph = mermaidGraph(model([...RESOURCES, odd], { ...EVALUATION, results: [] }));
    expect(graph).toContain('  r4["x:y:Z<br/>a#quot;b#lt;c#gt;"]');
  });

  it("collapses the graph of a large stack", () => {
    const many = Array.from({ length: COLLAPSE_AFTER + 1 }, (_, i) =>
      resource({ urn: `urn:pulumi:dev::proj::random:index/randomUuid:RandomUuid::u${i}`, type: "random:index/randomUuid:RandomUuid", name: `u${i}`, parent: STACK }),
    );
    const large = renderMarkdown(model([RESOURCES[0]!, ...many], { ...EVALUATION, results: [] }));
    expect(large).toContain("<summary>Dependency graph</summary>");
    expect(large).toContain("No mandatory policy violations");
  });

  it("never prints a secret", () => {
    expect(md).not.toContain(KEY);
    expect(md).not.toContain(PASSWORD);
  });
});

describe("json report", () => {
  const json = JSON.parse(renderJson(model())) as ReturnType<typeof toJsonReport>;

  it("has exactly the documented shape", () => {
    expect(Object.keys(json)).toEqual(["stack", "project", "resources", "phaseDifferences", "violations", "summary", "programMessages", "warnings"]);
    expect(json.stack).toBe("dev");
    expect(json.project).toBe("proj");
    for (const r of json.resources) {
      expect(Object.keys(r)).toEqual(["urn", "type", "name", "parent", "dependencies", "protect", "read", "inputs"]);
    }
    for (const v of json.violations) {
      expect(Object.keys(v)).toEqual(["phase", "policy", "enforcementLevel", "message", "urn", "deferredToUpdate", "undecided"]);
    }
    expect(Object.keys(json.summary)).toEqual(["resources", "mandatory", "advisory", "deferred", "undecided"]);
    expect(json.summary).toEqual({ resources: 4, mandatory: 2, advisory: 1, deferred: 0, undecided: 0 });
  });

  it("carries parent, dependencies, protect and redacted inputs", () => {
    expect(json.resources[0]).toMatchObject({ urn: STACK, parent: null, protect: false });
    expect(json.resources[1]).toMatchObject({ urn: RG, parent: STACK, protect: true });
    expect(json.resources[3]).toEqual({
      urn: EP,
      type: "azure-native:machinelearningservices:OnlineEndpoint",
      name: "svc-endpoint",
      parent: COMP,
      dependencies: [RG],
      protect: false,
      read: false,
      inputs: { resourceGroupName: "(known after apply)", properties: "[secret]", tags: { password: "[secret]" } },
    });
    expect(json.violations[0]).toEqual({
      phase: "preview",
      policy: "stack-rule",
      enforcementLevel: "mandatory",
      message: "<b>too many</b>",
      urn: STACK,
      deferredToUpdate: false,
      undecided: false,
    });
  });

  it("never prints a secret", () => {
    const raw = renderJson(model());
    expect(raw).not.toContain(KEY);
    expect(raw).not.toContain(PASSWORD);
  });
});

const DEFERRED_HEADING =
  "  Deferred in preview (1): `pulumi preview` cannot run these checks; the deploy phase above decides them as `pulumi up` will\n";

describe("checks deferred to update (the SDK's \"can't run ... during preview\")", () => {
  const PREFIX = "can't run policy 'needs-compute' from policy pack 'pack@v1.0.0' during preview: ";
  const REASON = "string value at .properties.compute can't be known during preview";
  const DEFERRED: PolicyEvaluation = {
    ...EVALUATION,
    results: [
      result({ policy: "needs-compute", enforcementLevel: "advisory", message: PREFIX + REASON, urn: EP }),
      result({ policy: "advice", enforcementLevel: "advisory", message: "consider this", urn: EP }),
      result({ policy: "tagging", enforcementLevel: "remediate", message: "tagged", urn: RG, stage: "remediate" }),
    ],
  };
  const m = model(RESOURCES, DEFERRED);
  const text = renderText(m);
  const md = renderMarkdown(m);
  const json = JSON.parse(renderJson(m)) as ReturnType<typeof toJsonReport>;

  it("counts them apart from advisory results, and they do not block", () => {
    expect(m.violations.map((v) => [v.policy, v.deferredToUpdate])).toEqual([
      ["needs-compute", true],
      ["advice", false],
      ["tagging", false],
    ]);
    expect(m.summary).toEqual({ resources: 4, mandatory: 0, advisory: 1, deferred: 1, undecided: 0 });
    expect(exitCodeOf(m)).toBe(0);
  });

  it("also defers a remediation that could not run during preview", () => {
    const remediation = model(RESOURCES, {
      ...EVALUATION,
      results: [
        result({
          policy: "tagging",
          enforcementLevel: "advisory",
          message: `can't run remediation 'tagging' from policy pack 'pack@v1.0.0' during preview: ${REASON}`,
          urn: RG,
          stage: "remediate",
        }),
      ],
    });
    expect(remediation.summary).toEqual({ resources: 4, mandatory: 0, advisory: 0, deferred: 1, undecided: 0 });
    expect(renderText(remediation)).toContain(`tagging  (azure-native:resources:ResourceGroup rg): ${REASON}`);
  });

  it("only advisory results that start with the SDK's prefix are deferred", () => {
    const other = model(RESOURCES, {
      ...EVALUATION,
      results: [
        result({ policy: "strict", enforcementLevel: "mandatory", message: "can't run policy 'strict' from policy pack 'pack@v1.0.0' during preview: x", urn: EP }),
        result({ policy: "known", enforcementLevel: "mandatory", message: "authMode is known during preview and is Key", urn: EP }),
        result({ policy: "mentions", enforcementLevel: "advisory", message: `note: ${PREFIX}${REASON}`, urn: EP }),
      ],
    });
    expect(other.violations.every((v) => !v.deferredToUpdate)).toBe(true);
    expect(other.summary).toEqual({ resources: 4, mandatory: 2, advisory: 1, deferred: 0, undecided: 0 });
  });

  it("text: their own group after the others, prefix stripped, not listed under Advisory", () => {
    const advisory = text.indexOf("  Advisory (1):\n");
    const remediated = text.indexOf("  Remediated (applied to the plan) (1):\n");
    const deferred = text.indexOf(DEFERRED_HEADING);
    expect(advisory).toBeGreaterThan(0);
    expect(remediated).toBeGreaterThan(advisory);
    expect(deferred).toBeGreaterThan(remediated);
    expect(text).toContain(
      `${DEFERRED_HEADING}    - needs-compute  (azure-native:machinelearningservices:OnlineEndpoint svc-endpoint): ${REASON}\n`,
    );
    expect(text.slice(advisory, remediated)).not.toContain("needs-compute");
    expect(text).not.toContain("can't run policy");
    expect(text.trimEnd().split("\n").pop()).toBe(
      "Summary: proj/dev: 4 resources, 0 mandatory, 1 advisory, 1 deferred in preview (no mandatory policy violations)",
    );
  });

  it("markdown: a 4th count column and a collapsed section of their own", () => {
    expect(md).toContain("| Resources | Mandatory | Advisory | Deferred in preview | Undecided |\n| ---: | ---: | ---: | ---: | ---: |\n| 4 | 0 | 1 | 1 | 0 |\n");
    const advisory = md.indexOf("<details>\n<summary>Advisory policy results (1)</summary>\n");
    const deferred = md.indexOf("<details>\n<summary>Deferred in preview, decided by the deploy phase (1)</summary>\n\n| Policy | Resource | Message |\n");
    expect(advisory).toBeGreaterThan(0);
    expect(deferred).toBeGreaterThan(advisory);
    const advisorySection = md.slice(advisory, md.indexOf("</details>", advisory));
    expect(advisorySection).toContain("| `advice` |");
    expect(advisorySection).not.toContain("needs-compute");
    const deferredSection = md.slice(deferred, md.indexOf("</details>", deferred));
    expect(deferredSection).toContain("| `needs-compute` | azure-native:machinelearningservices:OnlineEndpoint svc-endpoint |");
    expect(deferredSection).toContain(REASON);
    expect(md).toContain("<sub>proj/dev: 4 resources, 0 mandatory, 1 advisory, 1 deferred in preview (no mandatory policy violations)");
  });

  it("json: still lists them as the engine reports them (advisory), counted in summary.deferred", () => {
    expect(json.violations).toContainEqual({
      phase: "preview",
      policy: "needs-compute",
      enforcementLevel: "advisory",
      message: PREFIX + REASON,
      urn: EP,
      deferredToUpdate: true,
      undecided: false,
    });
    expect(json.violations.filter((v) => v.enforcementLevel === "advisory")).toHaveLength(2);
    expect(json.summary).toEqual({ resources: 4, mandatory: 0, advisory: 1, deferred: 1, undecided: 0 });
  });
});
