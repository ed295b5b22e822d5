import { isDeepStrictEqual } from "node:util";
import type { MockRunResult } from "../../plan/mockRun";
import type { RecordedResource } from "../../plan/recordedResource";
import { AzureState, deployTemplate } from "./azureState";
import { plain } from "./records";

type Body = Record<string, unknown>;
type PulumiModule = typeof import("@pulumi/pulumi");

interface StateEntry {
  readonly type: string;
  readonly id: string | undefined;
  inputs: Body;
  /** what Azure answered at the last write or refresh; refresh diffs against it */
  outputs: Body | undefined;
  readonly deletedWith: string | undefined;
}

export interface StepResult {
  readonly step: string;
  readonly operations: { urn: string; op: "create" | "update" | "delete" }[];
  /** index of the step's first write in `AzureState.log` */
  readonly firstWrite: number;
}

interface RegistrationRequest {
  getIgnorechangesList(): string[];
}
interface RegistrationResponse {
  getUrn(): string;
}
interface WrappableMonitor {
  registerResource(request: RegistrationRequest, callback: (error: Error | null, response: RegistrationResponse | undefined) => void): void;
}

/**
 * Records each resource's `ignoreChanges`, which the engine applies before it diffs. Call inside the
 * program function given to the mock runtime, before any resource is constructed.
 */
export function recordIgnoreChanges(pulumi: PulumiModule): Map<string, string[]> {
  const ignored = new Map<string, string[]>();
  const monitor = pulumi.runtime.getMonitor() as unknown as WrappableMonitor;
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (request, callback) =>
    register(request, (error, response) => {
      if (!error && response) ignored.set(response.getUrn(), [...request.getIgnorechangesList()]);
      callback(error, response);
    });
  return ignored;
}

/** Body of an azure-native resource's PUT: its inputs without the names that are in its URL. */
function armBody(id: string, inputs: Body): Body {
  const segments = new Set(id.split("/").map((segment) => segment.toLowerCase()));
  return Object.fromEntries(Object.entries(inputs).filter(([, value]) => !(typeof value === "string" && segments.has(value.toLowerCase()))));
}

function getPath(body: Body, path: string): { found: boolean; value?: unknown } {
  let current: unknown = body;
  for (const key of path.split(".")) {
    if (typeof current !== "object" || current === null || !(key in current)) return { found: false };
    current = (current as Body)[key];
  }
  return { found: true, value: current };
}

function setPath(body: Body, path: string, found: boolean, value?: unknown): void {
  const keys = path.split(".");
  const last = keys.pop() ?? "";
  let current = body;
  for (const key of keys) {
    if (typeof current[key] !== "object" || current[key] === null) {
      if (!found) return;
      current[key] = {};
    }
    current = current[key] as Body;
  }
  if (found) current[last] = structuredClone(value);
  else delete current[last];
}

const READ_ONLY = new Set(["provisioningState", "scoringUri", "swaggerUri", "principalId", "tenantId"]);

/** azure-native's refresh: the difference between old and new outputs, outside read-only fields, goes into the inputs. */
function applyOutputDrift(inputs: Body, before: unknown, after: unknown, path: string[] = []): void {
  const isObject = (value: unknown): value is Body => typeof value === "object" && value !== null && !Array.isArray(value);
  if (isObject(before) && isObject(after)) {
    for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
      if (READ_ONLY.has(key)) continue;
      applyOutputDrift(inputs, before[key], after[key], [...path, key]);
    }
    return;
  }
  if (isDeepStrictEqual(before, after)) return;
  setPath(inputs, path.join("."), after !== undefined, after);
}

/**
 * What `pulumi up` and `pulumi refresh` do to a stack with the azure-native provider, against a
 * simulated Azure: a new resource is created and a changed one updated with a PUT of its whole
 * inputs, in registration (dependency) order, after `ignoreChanges` put old values back; a
 * resource the program no longer declares is deleted. Refresh carries the drift Azure reports into
 * the inputs, as azure-native does (pulumi/pulumi-azure-native#280).
 */
export class SimulatedStack {
  readonly azure = new AzureState();
  private readonly state = new Map<string, StateEntry>();
  readonly steps: StepResult[] = [];

  constructor(private readonly subscriptionId: string) {}

  up(step: string, run: MockRunResult, ignoreChanges: ReadonlyMap<string, readonly string[]>): StepResult {
    if (run.errors.length > 0) throw new Error(`${step}: the program failed: ${run.errors.map((error) => error.message).join("; ")}`);
    const firstWrite = this.azure.log.length;
    const operations: StepResult["operations"] = [];
    const declared = run.resources.filter((resource) => resource.custom);
    for (const resource of declared) {
      const old = this.state.get(resource.urn);
      const inputs = plain(resource.inputs) as Body;
      if (old) {
        for (const path of ignoreChanges.get(resource.urn) ?? []) {
          const previous = getPath(old.inputs, path);
          setPath(inputs, path, previous.found, previous.value);
        }
        if (isDeepStrictEqual(old.inputs, inputs)) continue;
      }
      const outputs = this.write(resource, inputs);
      this.state.set(resource.urn, { type: resource.type, id: resource.id, inputs, outputs, deletedWith: resource.deletedWith });
      operations.push({ urn: resource.urn, op: old ? "update" : "create" });
    }
    const kept = new Set(declared.map((resource) => resource.urn));
    const gone = [...this.state.keys()].filter((urn) => !kept.has(urn)).reverse();
    for (const urn of gone) {
      const entry = this.state.get(urn);
      this.state.delete(urn);
      if (!entry?.id?.startsWith("/subscriptions/")) continue;
      if (entry.deletedWith && gone.includes(entry.deletedWith)) continue;
      this.azure.delete(entry.id, urn);
      operations.push({ urn, op: "delete" });
    }
    const result = { step, operations, firstWrite };
    this.steps.push(result);
    return result;
  }

  refresh(step: string): StepResult {
    const firstWrite = this.azure.log.length;
    for (const entry of this.state.values()) {
      if (!entry.id?.startsWith("/subscriptions/") || !entry.outputs) continue;
      const current = this.azure.read(entry.id);
      if (!current) continue;
      applyOutputDrift(entry.inputs, entry.outputs, current);
      entry.outputs = current;
    }
    const result = { step, operations: [], firstWrite };
    this.steps.push(result);
    return result;
  }

  private write(resource: RecordedResource, inputs: Body): Body | undefined {
    const id = resource.id;
    if (!resource.type.startsWith("azure-native:") || !id?.startsWith("/subscriptions/")) return undefined;
    if (resource.type === "azure-native:resources:Deployment") {
      const properties = (inputs.properties ?? {}) as { template?: Body; parameters?: Record<string, { value: unknown }> };
      const resourceGroupId = `/subscriptions/${this.subscriptionId}/resourceGroups/${String(inputs.resourceGroupName)}`;
      deployTemplate(this.azure, resourceGroupId, properties.template ?? {}, properties.parameters ?? {}, resource.urn);
    }
    this.azure.put(id, armBody(id, inputs), resource.urn);
    return this.azure.read(id);
  }
}
