import { describe, expect, it } from "vitest";
import { AksInferenceCluster } from "../../components/aksInferenceCluster";
import { MlWorkspace } from "../../components/mlWorkspace";
import { ModelWebService, type KeyRotationCounters, type ModelWebServiceCompute } from "../../components/modelWebService";
import { FAKE_SUBSCRIPTION_ID } from "../../plan/azureFakes";
import { runComponents } from "../harness/componentRun";
import { recordIgnoreChanges, SimulatedStack, type StepResult } from "../harness/stackLifecycle";

const ENDPOINT_ID =
  `/subscriptions/${FAKE_SUBSCRIPTION_ID}/resourceGroups/rg-aml-dev-weu/providers/Microsoft.MachineLearningServices/workspaces/mlw-dev-weu/onlineEndpoints/scoring-dev`.toLowerCase();
const FULL = { blue: 100 };

interface Settings {
  readonly compute: "managed" | "kubernetes";
  readonly tags: Record<string, string>;
  readonly keyRotation?: KeyRotationCounters;
}

/** One run of the real components, as `pulumi up` would run them, with each resource's ignoreChanges. */
async function program(settings: Settings) {
  let ignoreChanges: Map<string, string[]> = new Map();
  const run = await runComponents(async () => {
    ignoreChanges = recordIgnoreChanges(await import("@pulumi/pulumi"));
    const workspace = new MlWorkspace("platform", { environment: "dev", location: "westeurope", network: { kind: "public" }, tags: settings.tags });
    const compute: ModelWebServiceCompute =
      settings.compute === "managed"
        ? { kind: "managed", auth: "key" }
        : {
            kind: "kubernetes",
            auth: "amlToken",
            cluster: new AksInferenceCluster("inference", { workspace, cluster: { kind: "new" }, transport: { kind: "insecure" } }),
          };
    new ModelWebService("scoring", {
      workspace,
      endpointName: "scoring-dev",
      compute,
      model: "credit-risk:3",
      ...(settings.keyRotation ? { keyRotation: settings.keyRotation } : {}),
    });
  });
  return { run, ignoreChanges };
}

async function up(stack: SimulatedStack, step: string, settings: Settings): Promise<StepResult> {
  const { run, ignoreChanges } = await program(settings);
  return stack.up(step, run, ignoreChanges);
}

/** The endpoint's traffic after the step, and after each of the step's writes. */
function trafficDuring(stack: SimulatedStack, step: StepResult) {
  const writes = stack.azure.log.slice(step.firstWrite).map((entry) => ({ by: entry.write.by, id: entry.write.id, traffic: entry.traffic[ENDPOINT_ID] }));
  return { after: stack.azure.trafficByEndpoint()[ENDPOINT_ID], writes };
}

function expectFullTrafficThroughout(stack: SimulatedStack, step: StepResult): void {
  const { after, writes } = trafficDuring(stack, step);
  expect(after, `traffic after ${step.step}`).toEqual(FULL);
  for (const write of writes) expect(write.traffic, `traffic after ${write.id} written by ${write.by} during ${step.step}`).toEqual(FULL);
}

describe("traffic never drops: create → tag change → key rotation → refresh → up", () => {
  it.each(["managed", "kubernetes"] as const)("a %s endpoint keeps all traffic on blue after every step and every write", async (compute) => {
    const stack = new SimulatedStack(FAKE_SUBSCRIPTION_ID);
    const base: Settings = { compute, tags: { team: "scoring" } };

    const create = await up(stack, "create", base);
    // Before the deployment exists the endpoint has no traffic to give; once it has 100%, it keeps it.
    const { after, writes } = trafficDuring(stack, create);
    expect(after).toEqual(FULL);
    const firstFull = writes.findIndex((write) => JSON.stringify(write.traffic) === JSON.stringify(FULL));
    expect(writes.slice(firstFull).every((write) => JSON.stringify(write.traffic) === JSON.stringify(FULL))).toBe(true);

    const retag = { ...base, tags: { team: "risk" } };
    expectFullTrafficThroughout(stack, await up(stack, "tag change", retag));
    // the change reached Azure, through the template
    expect(stack.azure.get(ENDPOINT_ID)?.tags).toMatchObject({ team: "risk" });

    // A rotation: raise the counter, `up`, then regenerate the key with the new secret (README "Rotating keys").
    const rotated = compute === "managed" ? { ...retag, keyRotation: { primary: 0, secondary: 1 } } : retag;
    const rotation = await up(stack, "key rotation", rotated);
    if (compute === "managed") stack.azure.regenerateKeys(ENDPOINT_ID, "Secondary", "new-secondary-secret", "operator");
    expectFullTrafficThroughout(stack, rotation);
    if (compute === "managed") expect(stack.azure.get(ENDPOINT_ID)?.keys).toMatchObject({ secondaryKey: "new-secondary-secret" });

    expectFullTrafficThroughout(stack, stack.refresh("refresh"));
    expectFullTrafficThroughout(stack, await up(stack, "up after refresh", rotated));
    expectFullTrafficThroughout(stack, await up(stack, "second up after refresh", rotated));
  });

  it("keeps traffic after `pulumi refresh` reads the traffic into the endpoint's inputs and the next `up` runs", async () => {
    const stack = new SimulatedStack(FAKE_SUBSCRIPTION_ID);
    const settings: Settings = { compute: "managed", tags: {} };
    await up(stack, "create", settings);
    stack.refresh("refresh");
    const next = await up(stack, "up after refresh", settings);
    expectFullTrafficThroughout(stack, next);
    // nothing changed, so nothing is written
    expect(next.operations).toEqual([]);
  });
});
