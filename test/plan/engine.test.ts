// The plan's engine, seen through real plans of small foreign programs and the real aml-auth-guard
// pack: transforms applied as the Pulumi engine applies them, reads, duplicate URNs, invokes, and
// the two phases (what `pulumi preview` shows, what `pulumi up` enforces).
import { describe, expect, it } from "vitest";
import { runOfflinePlan } from "../../plan/offlinePlan";
import { ProgramError } from "../../plan/planErrors";
import { exitCodeOf, type PlanModel, type PlannedViolation } from "../../plan/report/planModel";
import { REAL_PACK, removedAfterAll } from "./helpers";
import { FOREIGN_PROJECT, FOREIGN_STACK, foreignProject, program } from "./foreignProjects";

const removeLater = removedAfterAll();
const PLAN_TIMEOUT_MS = 180_000;
const URN_PREFIX = `urn:pulumi:${FOREIGN_STACK}::${FOREIGN_PROJECT}::`;
const ENDPOINT_TYPE = "azure-native:machinelearningservices:OnlineEndpoint";

function plan(source: string): Promise<PlanModel> {
  return runOfflinePlan({ projectDir: removeLater(foreignProject(source)), stack: FOREIGN_STACK, packDir: REAL_PACK });
}

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

const EXCLUSIVE = "ml-endpoint-auth-exclusive";
const SAME_REGION = "ml-endpoint-token-same-region";

describe.concurrent("transforms, as the engine applies them", () => {
  it(
    "a stack transform (registerResourceTransform) that adds keys to a token endpoint is a mandatory violation in both phases",
    async () => {
      const [transformed, untouched] = await Promise.all([
        plan(program(ADD_KEYS, `pulumi.runtime.registerResourceTransform(addKeys);`, WORKSPACE, tokenEndpoint("ep"))),
        plan(program(WORKSPACE, tokenEndpoint("ep"))),
      ]);
      const endpointUrn = `${URN_PREFIX}${ENDPOINT_TYPE}::ep`;
      expect(mandatory(transformed, EXCLUSIVE)).toEqual([`deploy ${endpointUrn}`, `preview ${endpointUrn}`]);
      expect(exitCodeOf(transformed)).toBe(1);
      // the keys came from the transform: without it, the same endpoint is compliant
      expect(mandatory(untouched, EXCLUSIVE)).toEqual([]);
      const recorded = transformed.resources.find((r) => r.urn === endpointUrn);
      expect(recorded?.inputs).toMatchObject({ properties: { authMode: "AMLToken", keys: { primaryKey: expect.any(String) } } });
    },
    PLAN_TIMEOUT_MS,
  );

  it(
    "the transforms option of a parent component applies to its children",
    async () => {
      const model = await plan(
        program(ADD_KEYS, COMPONENT, WORKSPACE, `new Team("team", (self) => { ${tokenEndpoint("child-ep", "{ parent: self }")} }, { transforms: [addKeys] });`),
      );
      const endpointUrn = `${URN_PREFIX}foreign:team:Team$${ENDPOINT_TYPE}::child-ep`;
      expect(mandatory(model, EXCLUSIVE)).toEqual([`deploy ${endpointUrn}`, `preview ${endpointUrn}`]);
    },
    PLAN_TIMEOUT_MS,
  );

  it(
    "order: the resource's own transforms, then its parent's, then its grandparent's, then the stack's",
    async () => {
      const model = await plan(
        program(
          MARK_ORDER,
          COMPONENT,
          WORKSPACE,
          `pulumi.runtime.registerResourceTransform(mark("stack"));`,
          `new Team("outer", (outer) => {`,
          `  new Team("inner", (inner) => { ${tokenEndpoint("ordered-ep", `{ parent: inner, transforms: [mark("own")] }`)} }, { parent: outer, transforms: [mark("parent")] });`,
          `}, { transforms: [mark("grandparent")] });`,
        ),
      );
      const endpoint = model.resources.find((r) => r.type === ENDPOINT_TYPE && r.name === "ordered-ep");
      expect(endpoint?.inputs.tags).toEqual({ order: "registered,own,parent,grandparent,stack" });
    },
    PLAN_TIMEOUT_MS,
  );
});

describe.concurrent("reads, refusals and invokes", () => {
  it(
    ".get() of a workspace is recorded as a read, and its location stays unknown to the stack policy: same-region is undecided, not passed",
    async () => {
      const model = await plan(
        program(`
const workspace = Workspace.get("existing-ws",
  "/subscriptions/00000000-0000-4000-8000-0000000000a1/resourceGroups/rg-foreign/providers/Microsoft.MachineLearningServices/workspaces/mlw-existing");
const cluster = new ManagedCluster("aks", { resourceGroupName: "rg-foreign", resourceName: "aks-foreign", location: "eastus", dnsPrefix: "aksforeign" });
const compute = new Compute("k8s", {
  resourceGroupName: "rg-foreign",
  workspaceName: workspace.name,
  computeName: "k8s-foreign",
  location: "eastus",
  properties: { computeType: "Kubernetes", resourceId: cluster.id },
});
export const scoring = new OnlineEndpoint("ep", {
  resourceGroupName: "rg-foreign",
  workspaceName: workspace.name,
  endpointName: "ep-foreign",
  location: "eastus",
  properties: { authMode: "AMLToken", compute: compute.id },
}).name;
`),
      );
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
    },
    PLAN_TIMEOUT_MS,
  );

  it(
    "two resources with the same type and name: the plan fails naming the URN, as the engine refuses it",
    async () => {
      const duplicate = `new ResourceGroup("rg", { resourceGroupName: "rg-foreign", location: "westeurope" });`;
      const failure = plan(program(duplicate, duplicate));
      await expect(failure).rejects.toBeInstanceOf(ProgramError);
      await expect(failure).rejects.toThrow(`Duplicate resource URN '${URN_PREFIX}azure-native:resources:ResourceGroup::rg'`);
    },
    PLAN_TIMEOUT_MS,
  );

  it(
    "an invoke with no fake fails the plan naming its token",
    async () => {
      const failure = plan(
        program(
          `import { getResourceGroupOutput } from "@pulumi/azure-native/resources";`,
          `export const region = getResourceGroupOutput({ resourceGroupName: "rg-elsewhere" }).location;`,
        ),
      );
      await expect(failure).rejects.toBeInstanceOf(ProgramError);
      await expect(failure).rejects.toThrow(/invoke 'azure-native:resources:getResourceGroup' cannot be answered offline/);
    },
    PLAN_TIMEOUT_MS,
  );

  it(
    "a Helm v3 Chart (kubernetes:helm:template) plans, and the plan's limits name the chart",
    async () => {
      const model = await plan(
        program(
          `import { Chart } from "@pulumi/kubernetes/helm/v3";`,
          `new Chart("ingress", { chart: "ingress-nginx", version: "4.11.3", fetchOpts: { repo: "https://kubernetes.github.io/ingress-nginx" } });`,
        ),
      );
      expect(model.resources.map((r) => r.type)).toContain("kubernetes:helm.sh/v3:Chart");
      expect(model.warnings.filter((w) => /Helm chart ingress-nginx is not rendered offline/.test(w))).toHaveLength(1);
      expect(exitCodeOf(model)).toBe(0);
    },
    PLAN_TIMEOUT_MS,
  );
});

describe.concurrent("the two phases", () => {
  it(
    "a resource registered only when deploying (!isDryRun()) is checked in the deploy phase and listed as deploy-only",
    async () => {
      const model = await plan(
        program(
          WORKSPACE,
          tokenEndpoint("ep"),
          `if (!pulumi.runtime.isDryRun()) {`,
          `  new OnlineEndpoint("sneaky", { resourceGroupName: "rg-foreign", workspaceName: workspace.name, endpointName: "sneaky",`,
          `    properties: { authMode: "AMLToken", keys: { primaryKey: "0000-only-when-deploying" } } });`,
          `}`,
        ),
      );
      const sneaky = `${URN_PREFIX}${ENDPOINT_TYPE}::sneaky`;
      expect(mandatory(model, EXCLUSIVE)).toEqual([`deploy ${sneaky}`]);
      expect(model.phaseDifferences).toEqual({ deployOnly: [sneaky], previewOnly: [] });
      expect(model.resources.map((r) => r.urn)).not.toContain(sneaky);
      expect(exitCodeOf(model)).toBe(1);
    },
    PLAN_TIMEOUT_MS,
  );

  it(
    "a token endpoint on a compute known only by its id, cluster in another region than the workspace: deferred in preview, mandatory at deploy",
    async () => {
      const model = await plan(
        program(`
const workspace = new Workspace("ws", { resourceGroupName: "rg-foreign", workspaceName: "mlw-foreign", location: "westeurope" });
const cluster = new ManagedCluster("aks", { resourceGroupName: "rg-foreign", resourceName: "aks-foreign", location: "eastus", dnsPrefix: "aksforeign" });
const compute = new Compute("k8s", {
  resourceGroupName: "rg-foreign",
  workspaceName: workspace.name,
  computeName: "k8s-foreign",
  location: "westeurope",
  properties: { computeType: "Kubernetes", resourceId: cluster.id },
});
export const scoring = new OnlineEndpoint("ep", {
  resourceGroupName: "rg-foreign",
  workspaceName: workspace.name,
  endpointName: "ep-foreign",
  location: "westeurope",
  properties: { authMode: "AMLToken", compute: compute.id },
}).name;
`),
      );
      const sameRegion = findings(model, SAME_REGION);
      expect(sameRegion.filter((v) => v.phase === "preview").map((v) => v.deferredToUpdate)).toEqual([true]);
      const deploy = sameRegion.filter((v) => v.phase === "deploy");
      expect(deploy.map((v) => v.enforcementLevel)).toEqual(["mandatory"]);
      expect(deploy[0]!.message).toMatch(/'aks'.*eastus.*workspace 'ws' is in westeurope/s);
      expect(model.summary.undecided).toBe(0);
      expect(exitCodeOf(model)).toBe(1);
    },
    PLAN_TIMEOUT_MS,
  );
});
