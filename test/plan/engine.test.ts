// The plan's engine, seen through real plans of small foreign programs and the real aml-auth-guard
// pack: transforms applied as the Pulumi engine applies them, reads, duplicate URNs, invokes, and
// the two phases (what `pulumi preview` shows, what `pulumi up` enforces).
// Each program is a stack of one project, planned together in one multi-stack plan as the CLI plans
// `--stack a,b,...`: every stack gets its own program run, policy results and error.
import { beforeAll, describe, expect, it } from "vitest";
import { runOfflinePlans, type StackPlanOutcome } from "../../plan/offlinePlan";
import { ProgramError } from "../../plan/planErrors";
import { exitCodeOf, type PlanModel, type PlannedViolation } from "../../plan/report/planModel";
import { REAL_PACK, removedAfterAll } from "./helpers";
import { FOREIGN_PROJECT, foreignProjectOfStacks, program } from "./foreignProjects";

const removeLater = removedAfterAll();
const PLAN_TIMEOUT_MS = 180_000;
const ENDPOINT_TYPE = "azure-native:machinelearningservices:OnlineEndpoint";

/** The URN prefix of the resources of `stack`. */
const urnPrefix = (stack: string): string => `urn:pulumi:${stack}::${FOREIGN_PROJECT}::`;

function findings(model: PlanModel, policy: string): PlannedViolation[] {
  return model.violations.filter((v) => v.policy === policy);
}

/** Decided mandatory findings of `policy`, as `phase urn`. */
function mandatory(model: PlanModel, policy: string): string[] {
  return findings(model, policy)
    .filter((v) => v.enforcementLevel === "mandatory")
    .map((v) => `${v.phase} ${v.urn}`)
    .sort();
}

const WORKSPACE = `
const workspace = new Workspace("ws", { resourceGroupName: "rg-foreign", workspaceName: "mlw-foreign", location: "westeurope" });
`;

/** A token endpoint with no keys: compliant until something adds keys. */
const tokenEndpoint = (name: string, options = "{}"): string => `
new OnlineEndpoint("${name}", {
  resourceGroupName: "rg-foreign",
  workspaceName: workspace.name,
  endpointName: "${name}",
  location: "westeurope",
  properties: { authMode: "AMLToken" },
  tags: { order: "registered" },
}, ${options});
`;

/** A resource transform (`pulumi.ResourceTransform`) that adds initial keys to online endpoints. */
const ADD_KEYS = `
const addKeys: pulumi.ResourceTransform = (args) =>
  args.type === "${ENDPOINT_TYPE}"
    ? { props: { ...args.props, properties: { ...args.props.properties, keys: { primaryKey: "0000-added-by-a-transform" } } }, opts: args.opts }
    : undefined;
`;

/** A transform that appends its label to the `order` tag of endpoints. */
const MARK_ORDER = `
const mark = (label: string): pulumi.ResourceTransform => (args) =>
  args.type === "${ENDPOINT_TYPE}"
    ? { props: { ...args.props, tags: { order: \`\${args.props.tags.order},\${label}\` } }, opts: args.opts }
    : undefined;
`;

const COMPONENT = `
class Team extends pulumi.ComponentResource {
  constructor(name: string, build: (self: Team) => void, opts?: pulumi.ComponentResourceOptions) {
    super("foreign:team:Team", name, {}, opts);
    build(this);
    this.registerOutputs({});
  }
}
`;

const DUPLICATE_GROUP = `new ResourceGroup("rg", { resourceGroupName: "rg-foreign", location: "westeurope" });`;

/** A token endpoint in `location` on a Kubernetes compute of a cluster in eastus, in the workspace `workspaceSource` declares. */
const endpointOnEastUsCluster = (workspaceSource: string, location: string): string => `
${workspaceSource}
const cluster = new ManagedCluster("aks", { resourceGroupName: "rg-foreign", resourceName: "aks-foreign", location: "eastus", dnsPrefix: "aksforeign" });
const compute = new Compute("k8s", {
  resourceGroupName: "rg-foreign",
  workspaceName: workspace.name,
  computeName: "k8s-foreign",
  location: "${location}",
  properties: { computeType: "Kubernetes", resourceId: cluster.id },
});
export const scoring = new OnlineEndpoint("ep", {
  resourceGroupName: "rg-foreign",
  workspaceName: workspace.name,
  endpointName: "ep-foreign",
  location: "${location}",
  properties: { authMode: "AMLToken", compute: compute.id },
}).name;
`;

/** The program of each stack. */
const PROGRAMS = {
  "stack-transform": program(ADD_KEYS, `pulumi.runtime.registerResourceTransform(addKeys);`, WORKSPACE, tokenEndpoint("ep")),
  untransformed: program(WORKSPACE, tokenEndpoint("ep")),
  "parent-transform": program(
    ADD_KEYS,
    COMPONENT,
    WORKSPACE,
    `new Team("team", (self) => { ${tokenEndpoint("child-ep", "{ parent: self }")} }, { transforms: [addKeys] });`,
  ),
  "transform-order": program(
    MARK_ORDER,
    COMPONENT,
    WORKSPACE,
    `pulumi.runtime.registerResourceTransform(mark("stack"));`,
    `new Team("outer", (outer) => {`,
    `  new Team("inner", (inner) => { ${tokenEndpoint("ordered-ep", `{ parent: inner, transforms: [mark("own")] }`)} }, { parent: outer, transforms: [mark("parent")] });`,
    `}, { transforms: [mark("grandparent")] });`,
  ),
  "read-workspace": program(
    endpointOnEastUsCluster(
      `const workspace = Workspace.get("existing-ws",
  "/subscriptions/00000000-0000-4000-8000-0000000000a1/resourceGroups/rg-foreign/providers/Microsoft.MachineLearningServices/workspaces/mlw-existing");`,
      "eastus",
    ),
  ),
  "duplicate-urn": program(DUPLICATE_GROUP, DUPLICATE_GROUP),
  "unfaked-invoke": program(
    `import { getResourceGroupOutput } from "@pulumi/azure-native/resources";`,
    `export const region = getResourceGroupOutput({ resourceGroupName: "rg-elsewhere" }).location;`,
  ),
  "helm-chart": program(
    `import { Chart } from "@pulumi/kubernetes/helm/v3";`,
    `new Chart("ingress", { chart: "ingress-nginx", version: "4.11.3", fetchOpts: { repo: "https://kubernetes.github.io/ingress-nginx" } });`,
  ),
  "deploy-only": program(
    WORKSPACE,
    tokenEndpoint("ep"),
    `if (!pulumi.runtime.isDryRun()) {`,
    `  new OnlineEndpoint("sneaky", { resourceGroupName: "rg-foreign", workspaceName: workspace.name, endpointName: "sneaky",`,
    `    properties: { authMode: "AMLToken", keys: { primaryKey: "0000-only-when-deploying" } } });`,
    `}`,
  ),
  "cross-region-compute": program(
    endpointOnEastUsCluster(
      `const workspace = new Workspace("ws", { resourceGroupName: "rg-foreign", workspaceName: "mlw-foreign", location: "westeurope" });`,
      "westeurope",
    ),
  ),
};
type Stack = keyof typeof PROGRAMS;

let outcomes: Map<string, StackPlanOutcome>;
beforeAll(async () => {
  const planned = await runOfflinePlans({
    projectDir: removeLater(foreignProjectOfStacks(PROGRAMS)),
    stacks: Object.keys(PROGRAMS),
    packDir: REAL_PACK,
  });
  outcomes = new Map(planned.map((outcome) => [outcome.stack, outcome]));
}, PLAN_TIMEOUT_MS);

/** The plan of `stack`; rejects with the error that stopped it. */
async function plan(stack: Stack): Promise<PlanModel> {
  const outcome = outcomes.get(stack);
  if (!outcome) throw new Error(`stack ${stack} was not planned`);
  if ("error" in outcome) throw outcome.error;
  return outcome.model;
}

const EXCLUSIVE = "ml-endpoint-auth-exclusive";
const SAME_REGION = "ml-endpoint-token-same-region";

describe("transforms, as the engine applies them", () => {
  it("a stack transform (registerResourceTransform) that adds keys to a token endpoint is a mandatory violation in both phases", async () => {
    const [transformed, untouched] = await Promise.all([plan("stack-transform"), plan("untransformed")]);
    const endpointUrn = `${urnPrefix("stack-transform")}${ENDPOINT_TYPE}::ep`;
    expect(mandatory(transformed, EXCLUSIVE)).toEqual([`deploy ${endpointUrn}`, `preview ${endpointUrn}`]);
    expect(exitCodeOf(transformed)).toBe(1);
    // the keys came from the transform: without it, the same endpoint is compliant
    expect(mandatory(untouched, EXCLUSIVE)).toEqual([]);
    expect(untouched.resources.some((r) => r.urn === `${urnPrefix("untransformed")}${ENDPOINT_TYPE}::ep`)).toBe(true);
    const recorded = transformed.resources.find((r) => r.urn === endpointUrn);
    expect(recorded?.inputs).toMatchObject({ properties: { authMode: "AMLToken", keys: { primaryKey: expect.any(String) } } });
  });

  it("the transforms option of a parent component applies to its children", async () => {
    const model = await plan("parent-transform");
    const endpointUrn = `${urnPrefix("parent-transform")}foreign:team:Team$${ENDPOINT_TYPE}::child-ep`;
    expect(mandatory(model, EXCLUSIVE)).toEqual([`deploy ${endpointUrn}`, `preview ${endpointUrn}`]);
  });

  it("order: the resource's own transforms, then its parent's, then its grandparent's, then the stack's", async () => {
    const model = await plan("transform-order");
    const endpoint = model.resources.find((r) => r.type === ENDPOINT_TYPE && r.name === "ordered-ep");
    expect(endpoint?.inputs.tags).toEqual({ order: "registered,own,parent,grandparent,stack" });
  });
});

describe("reads, refusals and invokes", () => {
  it(".get() of a workspace is recorded as a read, and its location stays unknown to the stack policy: same-region is undecided, not passed", async () => {
    const model = await plan("read-workspace");
    const read = model.resources.find((r) => r.name === "existing-ws");
    expect(read).toMatchObject({ type: "azure-native:machinelearningservices:Workspace", read: true });
    expect(model.resources.filter((r) => r.read).map((r) => r.name)).toEqual(["existing-ws"]);
    // Azure gives a read resource the name its id ends with: the program links through it
    expect(model.resources.find((r) => r.type === ENDPOINT_TYPE)?.inputs.workspaceName).toBe("mlw-existing");

    const sameRegion = findings(model, SAME_REGION);
    expect(sameRegion.filter((v) => v.enforcementLevel === "mandatory")).toEqual([]);
    const deploy = sameRegion.filter((v) => v.phase === "deploy");
    expect(deploy).toHaveLength(1);
    expect(deploy[0]).toMatchObject({ undecided: true });
    expect(deploy[0]!.message).toMatch(/existing-ws/);
    expect(model.summary.undecided).toBe(1);
  });

  it("two resources with the same type and name: the plan fails naming the URN, as the engine refuses it", async () => {
    const failure = plan("duplicate-urn");
    await expect(failure).rejects.toBeInstanceOf(ProgramError);
    await expect(failure).rejects.toThrow(`Duplicate resource URN '${urnPrefix("duplicate-urn")}azure-native:resources:ResourceGroup::rg'`);
  });

  it("an invoke with no fake fails the plan naming its token", async () => {
    const failure = plan("unfaked-invoke");
    await expect(failure).rejects.toBeInstanceOf(ProgramError);
    await expect(failure).rejects.toThrow(/invoke 'azure-native:resources:getResourceGroup' cannot be answered offline/);
  });

  it("a Helm v3 Chart (kubernetes:helm:template) plans, and the plan's limits name the chart", async () => {
    const model = await plan("helm-chart");
    expect(model.resources.map((r) => r.type)).toContain("kubernetes:helm.sh/v3:Chart");
    expect(model.warnings.filter((w) => /Helm chart ingress-nginx is not rendered offline/.test(w))).toHaveLength(1);
    expect(exitCodeOf(model)).toBe(0);
  });
});

describe("the two phases", () => {
  it("a resource registered only when deploying (!isDryRun()) is checked in the deploy phase and listed as deploy-only", async () => {
    const model = await plan("deploy-only");
    const sneaky = `${urnPrefix("deploy-only")}${ENDPOINT_TYPE}::sneaky`;
    expect(mandatory(model, EXCLUSIVE)).toEqual([`deploy ${sneaky}`]);
    expect(model.phaseDifferences).toEqual({ deployOnly: [sneaky], previewOnly: [] });
    expect(model.resources.map((r) => r.urn)).not.toContain(sneaky);
    expect(exitCodeOf(model)).toBe(1);
  });

  it("a token endpoint on a compute known only by its id, cluster in another region than the workspace: deferred in preview, mandatory at deploy", async () => {
    const model = await plan("cross-region-compute");
    const sameRegion = findings(model, SAME_REGION);
    expect(sameRegion.filter((v) => v.phase === "preview").map((v) => v.deferredToUpdate)).toEqual([true]);
    const deploy = sameRegion.filter((v) => v.phase === "deploy");
    expect(deploy.map((v) => v.enforcementLevel)).toEqual(["mandatory"]);
    expect(deploy[0]!.message).toMatch(/'aks'.*eastus.*workspace 'ws' is in westeurope/s);
    expect(model.summary.undecided).toBe(0);
    expect(exitCodeOf(model)).toBe(1);
  });
});
