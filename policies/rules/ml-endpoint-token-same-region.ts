import type { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { LEARN } from "../lib/metadata";
import { CheckRunsAtUpdateError, type UnknownValueErrorShape } from "../lib/policyRuntime";
import { PendingValue } from "../lib/armExpressions";
import { CannotVerifyError, type Declaration, type DeclarationContext, declarationsOf } from "../lib/declarations";
import { cannotVerifyMessage } from "../lib/policyKit";
import { KIND_LABELS, type ResourceKind, resourceKindOf } from "../lib/resourceKinds";
import {
  type ArmIdLookup,
  type Link,
  deferred,
  describe,
  findByArmId,
  firstKnownString,
  linkedThrough,
  locationOf,
  normalizeRegion,
  pickOne,
  resolveArmId,
  resolved,
  unresolvable,
} from "../lib/stackLinks";
import { type Read, asBoolean, isPresent, readString, sameText } from "../lib/values";
import { canonicalAuthMode, classifyWebService, readEndpointAuthMode, readEndpointCompute, readV1StateField } from "../lib/webServices";

const name = "ml-endpoint-token-same-region";

/** A token-auth web service on AKS, as found in the stack. */
interface TokenServiceOnAks {
  readonly resource: PolicyResource;
  readonly kind: ResourceKind;
  readonly generation: "v1" | "v2";
  /** "OnlineEndpoint 'ep'" */
  readonly described: string;
  /** "OnlineEndpoint 'ep' uses token auth (authMode AMLToken)" */
  readonly subject: string;
}

interface Region {
  readonly location: string;
  /** "whose AKS cluster 'aks' is in eastus" */
  readonly text: string;
}

/**
 * One resource as Azure will hold it: a resource of the stack, or one that a template deployment or a
 * generic resource in the stack declares (then named `<owner>[<ARM name>]`, with the owner's dependencies).
 */
interface StackEntry {
  readonly resource: PolicyResource;
  readonly kind: ResourceKind;
}

/** What the stack holds, by kind, for the lookups. */
interface StackIndex {
  readonly computes: readonly PolicyResource[];
  readonly clusters: readonly PolicyResource[];
  readonly workspaces: readonly PolicyResource[];
}

function then<T, U>(link: Link<T>, next: (value: T) => Link<U>): Link<U> {
  return link.status === "resolved" ? next(link.value) : link;
}

/** Undefined when the entry is not a token-auth service on AKS/Kubernetes compute. */
function asTokenServiceOnAks(entry: StackEntry): Link<TokenServiceOnAks> | undefined {
  const { resource, kind } = entry;
  const classified = classifyWebService(kind, resource.props, (props) => readV1StateField(props, "computeType", kind));
  if (classified.status === "unknown") {
    return deferred("computeType", classified.cause);
  }
  const service = classified.value;
  if (service === undefined) return undefined;
  if (service.generation === "v1") {
    if (service.compute !== "AKS") return undefined;
    const token = readV1StateField(resource.props, "aadAuthEnabled", kind);
    if (token.status === "unknown") return deferred("aadAuthEnabled", token.cause);
    if (asBoolean(token.value) !== true) return undefined;
    const described = describe(resource, service.label);
    return resolved({ resource, kind, generation: "v1", described, subject: `${described} uses token auth (aadAuthEnabled)` });
  }
  const authMode = readEndpointAuthMode(resource.props);
  if (authMode.status === "unknown") return deferred("properties.authMode", authMode.cause);
  if (authMode.value === undefined || canonicalAuthMode(authMode.value) !== "AMLToken") return undefined;
  // Managed endpoints have no compute; a compute (even one still unknown) means Kubernetes.
  if (!isPresent(readEndpointCompute(resource.props))) return undefined;
  const described = describe(resource, service.label);
  return resolved({ resource, kind, generation: "v2", described, subject: `${described} uses token auth (authMode AMLToken)` });
}

const COMPUTE_BY_ID: ArmIdLookup = {
  nameKeys: ["computeName", "name"],
  idSegment: "computes",
  parentChecks: [
    { propertyKey: "workspaceName", idSegment: "workspaces" },
    { propertyKey: "resourceGroupName", idSegment: "resourceGroups" },
  ],
};

const CLUSTER_BY_ID: ArmIdLookup = {
  nameKeys: ["resourceName", "name"],
  idSegment: "managedClusters",
  parentChecks: [{ propertyKey: "resourceGroupName", idSegment: "resourceGroups" }],
};

/** true/false when the read is a known string, undefined when it is absent or unknown. */
function knownTextEquals(read: Read<string | undefined>, expected: string): boolean | undefined {
  return read.status === "known" && read.value !== undefined ? sameText(read.value, expected) : undefined;
}

/** The workspace compute the service runs on. A known compute is followed by value, never by dependency. */
function computeOf(service: TokenServiceOnAks, stack: StackIndex): Link<PolicyResource> {
  const { resource } = service;
  const label = KIND_LABELS.mlCompute;
  if (service.generation === "v2") {
    const computeId = readEndpointCompute(resource.props);
    if (computeId.status === "unknown") {
      const picked = pickOne("properties.compute", linkedThrough(resource, "properties", "mlCompute"), [], label);
      return picked ?? deferred("properties.compute, with no Compute linked through its dependencies", computeId.cause);
    }
    const wanted = computeId.value ?? "";
    const byId = findByArmId(stack.computes, wanted, COMPUTE_BY_ID);
    const picked = pickOne("properties.compute", resolveArmId(byId, linkedThrough(resource, "properties", "mlCompute")), [], label);
    if (picked) return picked;
    if (byId.unknown) return deferred("the Compute named by properties.compute", byId.unknown);
    return unresolvable(
      `properties.compute (${wanted}) names no Compute in this stack; manage the Compute in this program ` +
        `or read it with Compute.get(...) so its cluster can be followed`,
    );
  }
  const computeName = readV1StateField(resource.props, "computeName", service.kind);
  if (computeName.status === "unknown") {
    const viaDependencies = [...linkedThrough(resource, "computeName", "mlCompute"), ...linkedThrough(resource, "properties", "mlCompute")];
    const picked = pickOne("computeName", [...new Set(viaDependencies)], [], label);
    return picked ?? deferred("computeName, with no Compute linked through its dependencies", computeName.cause);
  }
  const wanted = typeof computeName.value === "string" ? computeName.value : undefined;
  if (wanted === undefined) return unresolvable("it sets no computeName, so its AKS compute cannot be found");
  const workspaceName = readString(resource.props, ["workspaceName"]);
  const matches = stack.computes.filter((compute) => {
    const sameName = knownTextEquals(firstKnownString(compute, ["computeName", "name"]), wanted);
    // A compute of the same name in another workspace is not this one.
    const otherWorkspace =
      workspaceName.status === "known" && workspaceName.value !== undefined &&
      knownTextEquals(readString(compute.props, ["workspaceName"]), workspaceName.value) === false;
    return sameName === true && !otherWorkspace;
  });
  const picked = pickOne("computeName", matches, [], label);
  if (picked) return picked;
  return unresolvable(
    `computeName '${wanted}' names no Compute in this stack; manage the Compute in this program ` +
      `or read it with Compute.get(...) so its cluster can be followed`,
  );
}

/** The region of the AKS cluster behind a compute: the cluster's location, else the compute's computeLocation. */
function clusterRegionOf(compute: PolicyResource, stack: StackIndex): Link<Region> {
  const computeText = describe(compute, KIND_LABELS.mlCompute);
  const resourceId = readString(compute.props, ["properties", "resourceId"]);
  const linked = linkedThrough(compute, "properties", "managedCluster");
  const byId =
    resourceId.status === "known" && resourceId.value !== undefined
      ? findByArmId(stack.clusters, resourceId.value, CLUSTER_BY_ID)
      : undefined;
  // Dependencies stand in for the cluster only while its id is unknown; a known id is followed by value.
  const candidates = byId ? resolveArmId(byId, linked) : resourceId.status === "unknown" ? linked : [];
  const picked = pickOne(`properties.resourceId of ${computeText}`, candidates, [], KIND_LABELS.managedCluster);
  if (picked) {
    return then(picked, (cluster) =>
      then(locationOf(cluster, KIND_LABELS.managedCluster), (location) =>
        resolved({ location, text: `whose AKS cluster '${cluster.name}' is in ${location}` }),
      ),
    );
  }
  // An attached cluster managed elsewhere: the compute may still say where it is.
  const computeLocation = readString(compute.props, ["properties", "computeLocation"]);
  if (computeLocation.status === "unknown") return deferred(`properties.computeLocation of ${computeText}`, computeLocation.cause);
  if (computeLocation.value) {
    return resolved({ location: computeLocation.value, text: `whose cluster is in ${computeLocation.value} (properties.computeLocation)` });
  }
  if (resourceId.status === "unknown") return deferred(`properties.resourceId of ${computeText}`, resourceId.cause);
  if (byId?.unknown) return deferred(`the ManagedCluster named by properties.resourceId of ${computeText}`, byId.unknown);
  const cluster = resourceId.value ? `attaches ${resourceId.value}, which is not a ManagedCluster in this stack,` : "names no cluster (properties.resourceId)";
  return unresolvable(
    `${computeText} ${cluster} and sets no properties.computeLocation; set properties.computeLocation to the ` +
      `cluster's region, or read the cluster with ManagedCluster.get(...)`,
  );
}

/** The workspaces whose name is `wanted` (Azure names are case-insensitive), and the first unknown name met. */
function workspacesNamed(stack: StackIndex, wanted: string): { readonly matches: PolicyResource[]; readonly unknown?: UnknownValueErrorShape } {
  const matches: PolicyResource[] = [];
  let unknown: UnknownValueErrorShape | undefined;
  for (const workspace of stack.workspaces) {
    const nameRead = firstKnownString(workspace, ["workspaceName", "name"]);
    if (nameRead.status === "unknown") unknown ??= nameRead.cause;
    else if (nameRead.value !== undefined && sameText(nameRead.value, wanted)) matches.push(workspace);
  }
  return { matches, unknown };
}

/**
 * The workspace a service belongs to. A workspace named by a known string is found by that name only:
 * a dependency (dependsOn, or an input taken from another workspace) says nothing about which workspace
 * Azure puts the service in. Dependencies stand in only while the name is unknown.
 */
function workspaceOf(service: TokenServiceOnAks, compute: PolicyResource, stack: StackIndex): Link<PolicyResource> {
  const label = KIND_LABELS.mlWorkspace;
  const wantedRead = readString(service.resource.props, ["workspaceName"]);
  if (wantedRead.status === "known" && wantedRead.value !== undefined) {
    const named = workspacesNamed(stack, wantedRead.value);
    const picked = pickOne("workspaceName", named.matches, [], label);
    if (picked) return picked;
    if (named.unknown) return deferred("the Workspace named by workspaceName", named.unknown);
    return unresolvable(
      `its workspace '${wantedRead.value}' is not in this stack; manage it in this program or read it with Workspace.get(...) so its location is known`,
    );
  }
  // Only the engine's record of which workspace fed workspaceName is evidence, then the compute's workspace.
  const linked = (service.resource.propertyDependencies.workspaceName ?? []).filter((r) => resourceKindOf(r.type) === "mlWorkspace");
  const viaCompute = linkedThrough(compute, "workspaceName", "mlWorkspace");
  const picked = pickOne("workspaceName", [...new Set(linked)], viaCompute, label);
  if (picked) return picked;
  if (wantedRead.status === "unknown") return deferred("workspaceName, with no Workspace linked through its dependencies", wantedRead.cause);
  return unresolvable(
    "its workspace is not in this stack; manage it in this program or read it with Workspace.get(...) so its location is known",
  );
}

/** The violation for one service, undefined when compliant, or why the check must wait. */
function judge(service: TokenServiceOnAks, stack: StackIndex): Link<string | undefined> {
  return then(computeOf(service, stack), (compute) => {
    const clusterRegion = clusterRegionOf(compute, stack);
    const workspaceRegion = then(workspaceOf(service, compute, stack), (workspace) =>
      then(locationOf(workspace, KIND_LABELS.mlWorkspace), (location) => resolved({ location, text: `workspace '${workspace.name}' is in ${location}` })),
    );
    // A link that cannot resolve is reported even while the other one waits for update.
    if (clusterRegion.status === "unresolvable") return clusterRegion;
    if (workspaceRegion.status === "unresolvable") return workspaceRegion;
    if (clusterRegion.status === "deferred") return clusterRegion;
    if (workspaceRegion.status === "deferred") return workspaceRegion;
    const cluster = clusterRegion.value;
    const workspace = workspaceRegion.value;
    if (normalizeRegion(cluster.location) === normalizeRegion(workspace.location)) return resolved(undefined);
    return resolved(
      `${service.subject} on compute '${compute.name}', ${cluster.text}, but ${workspace.text}; tokens are issued from ` +
        `the workspace's region, so an outage or latency there breaks scoring: put the cluster and the workspace in the ` +
        `same region (move the cluster to ${workspace.location}, or use a workspace in ${cluster.location})`,
    );
  });
}

/** Token-auth services on AKS are in their workspace's region. */
export const mlEndpointTokenSameRegion: StackValidationPolicy = {
  name,
  description: "A token-auth web service on AKS runs in the same region as its Azure ML workspace, which issues the tokens.",
  enforcementLevel: "mandatory",
  severity: "medium",
  remediationSteps:
    "Create (or attach) the AKS cluster in the workspace's region, or use a workspace in the cluster's region. " +
    "If the cluster is managed outside this program, set the Compute's properties.computeLocation to its region or " +
    "read it with ManagedCluster.get(...); read an external workspace or compute with Workspace.get(...) or Compute.get(...).",
  url: LEARN.v1WebServiceAuth,
  tags: ["azure", "machine-learning", "authentication", "kubernetes", "region"],
  validateStack: (args, reportViolation) => {
    const waiting: string[] = [];
    let firstCause: UnknownValueErrorShape | undefined;
    const entries: StackEntry[] = [];
    const context = resourceGroupContext(args.resources);
    for (const resource of args.resources) {
      try {
        for (const declaration of declarationsOf(resource.type, resource.props, name, context).declarations) {
          entries.push({ resource: declaration.origin ? declaredResource(resource, declaration) : resource, kind: declaration.kind });
        }
      } catch (error) {
        if (!(error instanceof CheckRunsAtUpdateError)) throw error;
        waiting.push(`for ${describe(resource, labelOf(resource.type))}, the resources its template declares (${error.message})`);
        firstCause ??= error;
      }
    }
    const ofKind = (kind: ResourceKind): PolicyResource[] => entries.filter((entry) => entry.kind === kind).map((entry) => entry.resource);
    const stack: StackIndex = { computes: ofKind("mlCompute"), clusters: ofKind("managedCluster"), workspaces: ofKind("mlWorkspace") };
    let judged = 0;
    for (const entry of entries) {
      const { resource } = entry;
      let verdict: Link<string | undefined>;
      try {
        const found = asTokenServiceOnAks(entry);
        if (found === undefined) continue;
        judged++;
        verdict = then(found, (service) => {
          const outcome = judge(service, stack);
          if (outcome.status === "unresolvable") {
            return resolved<string | undefined>(`cannot verify that token-auth ${service.described} runs in its workspace's region: ${outcome.reason}`);
          }
          return outcome;
        });
      } catch (error) {
        if (!(error instanceof CannotVerifyError)) throw error;
        judged++;
        const owner = error.owner ? ` (${error.owner})` : "";
        verdict = resolved(`cannot verify that ${describe(resource, KIND_LABELS[entry.kind])} runs in its workspace's region${owner}: ${cannotVerifyMessage(error)}`);
      }
      if (verdict.status === "resolved") {
        if (verdict.value !== undefined) reportViolation(verdict.value, resource.urn);
      } else {
        waiting.push(`for ${describe(resource, KIND_LABELS[entry.kind])}, ${verdict.reason}`);
        if (verdict.status === "deferred") firstCause ??= verdict.cause;
      }
    }
    if (waiting.length > 0) {
      throw new CheckRunsAtUpdateError(
        `the regions of token-auth services on AKS are not all known during preview: ${waiting.join("; ")}; ${name} runs at update`,
        firstCause,
      );
    }
    if (judged === 0) args.notApplicable("no token-auth web service on AKS or Kubernetes compute in this stack");
  },
};

/** `resourceGroup().location` in templates: the location of the stack's ResourceGroup of that name. */
function resourceGroupContext(resources: readonly PolicyResource[]): DeclarationContext {
  return {
    resourceGroupLocation: (resourceGroupName) => {
      for (const group of resources.filter((r) => resourceKindOf(r.type) === "resourceGroup")) {
        const groupName = firstKnownString(group, ["resourceGroupName", "name"]);
        if (groupName.status === "unknown" || groupName.value === undefined || !sameText(groupName.value, resourceGroupName)) continue;
        const location = readString(group.props, ["location"]);
        return location.status === "unknown" ? new PendingValue(location.cause) : location.value;
      }
      return undefined;
    },
  };
}

function labelOf(type: string): string {
  const kind = resourceKindOf(type);
  return kind ? KIND_LABELS[kind] : type;
}

/** A resource a template deployment or generic resource declares, as a stack resource of its owner. */
function declaredResource(owner: PolicyResource, declaration: Declaration): PolicyResource {
  return { ...owner, name: `${owner.name}[${declaration.armName ?? ""}]`, props: declaration.props };
}
