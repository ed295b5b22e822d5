import type { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { LEARN } from "../lib/metadata";
import { CheckRunsAtUpdateError, type UnknownValueErrorShape } from "../lib/policyRuntime";
import { KIND_LABELS, resourceKindOf } from "../lib/resourceKinds";
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
  ofKind,
  pickOne,
  resolved,
  unresolvable,
} from "../lib/stackLinks";
import { type Read, asBoolean, isPresent, readString, sameText } from "../lib/values";
import { canonicalAuthMode, classifyWebService, readEndpointAuthMode, readEndpointCompute, readV1Field } from "../lib/webServices";

const name = "ml-endpoint-token-same-region";

/** A token-auth web service on AKS, as found in the stack. */
interface TokenServiceOnAks {
  readonly resource: PolicyResource;
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

/** What the stack holds, by kind, for the lookups. */
interface StackIndex {
  readonly computes: readonly PolicyResource[];
  readonly clusters: readonly PolicyResource[];
  readonly workspaces: readonly PolicyResource[];
}

function then<T, U>(link: Link<T>, next: (value: T) => Link<U>): Link<U> {
  return link.status === "resolved" ? next(link.value) : link;
}

/** Undefined when the resource is not a token-auth service on AKS/Kubernetes compute. */
function asTokenServiceOnAks(resource: PolicyResource): Link<TokenServiceOnAks> | undefined {
  const classified = classifyWebService(resource.type, resource.props);
  if (classified.status === "unknown") {
    return deferred("computeType", classified.cause);
  }
  const service = classified.value;
  if (service === undefined) return undefined;
  if (service.generation === "v1") {
    if (service.compute !== "AKS") return undefined;
    const token = readV1Field(resource.props, "aadAuthEnabled");
    if (token.status === "unknown") return deferred("aadAuthEnabled", token.cause);
    if (asBoolean(token.value) !== true) return undefined;
    const described = describe(resource, service.label);
    return resolved({ resource, generation: "v1", described, subject: `${described} uses token auth (aadAuthEnabled)` });
  }
  const authMode = readEndpointAuthMode(resource.props);
  if (authMode.status === "unknown") return deferred("properties.authMode", authMode.cause);
  if (authMode.value === undefined || canonicalAuthMode(authMode.value) !== "AMLToken") return undefined;
  // Managed endpoints have no compute; a compute (even one still unknown) means Kubernetes.
  if (!isPresent(readEndpointCompute(resource.props))) return undefined;
  const described = describe(resource, service.label);
  return resolved({ resource, generation: "v2", described, subject: `${described} uses token auth (authMode AMLToken)` });
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

/** The workspace compute the service runs on. */
function computeOf(service: TokenServiceOnAks, stack: StackIndex): Link<PolicyResource> {
  const { resource } = service;
  const label = KIND_LABELS.mlCompute;
  if (service.generation === "v2") {
    const computeId = readEndpointCompute(resource.props);
    const byId =
      computeId.status === "known" && computeId.value !== undefined
        ? findByArmId(stack.computes, computeId.value, COMPUTE_BY_ID)
        : { matches: [] };
    const picked = pickOne("properties.compute", byId.matches, linkedThrough(resource, "properties", "mlCompute"), label);
    if (picked) return picked;
    if (computeId.status === "unknown") return deferred("properties.compute, with no Compute linked through its dependencies", computeId.cause);
    if (byId.unknown) return deferred("the Compute named by properties.compute", byId.unknown);
    return unresolvable(
      `properties.compute (${computeId.value}) names no Compute in this stack; manage the Compute in this program ` +
        `or read it with Compute.get(...) so its cluster can be followed`,
    );
  }
  const computeName = readV1Field(resource.props, "computeName");
  if (computeName.status === "unknown") return deferred("computeName", computeName.cause);
  const wanted = typeof computeName.value === "string" ? computeName.value : undefined;
  const workspaceName = readString(resource.props, ["workspaceName"]);
  const matches = wanted === undefined ? [] : stack.computes.filter((compute) => {
    const sameName = knownTextEquals(firstKnownString(compute, ["computeName", "name"]), wanted);
    // A compute of the same name in another workspace is not this one.
    const otherWorkspace =
      workspaceName.status === "known" && workspaceName.value !== undefined &&
      knownTextEquals(readString(compute.props, ["workspaceName"]), workspaceName.value) === false;
    return sameName === true && !otherWorkspace;
  });
  const viaDependencies = [...linkedThrough(resource, "computeName", "mlCompute"), ...linkedThrough(resource, "properties", "mlCompute")];
  const picked = pickOne("computeName", matches, [...new Set(viaDependencies)], label);
  if (picked) return picked;
  if (wanted === undefined) return unresolvable("it sets no computeName, so its AKS compute cannot be found");
  return unresolvable(
    `computeName '${wanted}' names no Compute in this stack; manage the Compute in this program ` +
      `or read it with Compute.get(...) so its cluster can be followed`,
  );
}

/** The region of the AKS cluster behind a compute: the cluster's location, else the compute's computeLocation. */
function clusterRegionOf(compute: PolicyResource, stack: StackIndex): Link<Region> {
  const computeText = describe(compute, KIND_LABELS.mlCompute);
  const resourceId = readString(compute.props, ["properties", "resourceId"]);
  const byId =
    resourceId.status === "known" && resourceId.value !== undefined
      ? findByArmId(stack.clusters, resourceId.value, CLUSTER_BY_ID)
      : { matches: [] };
  const viaDependencies = linkedThrough(compute, "properties", "managedCluster");
  const picked = pickOne(`properties.resourceId of ${computeText}`, byId.matches, viaDependencies, KIND_LABELS.managedCluster);
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
  if (byId.unknown) return deferred(`the ManagedCluster named by properties.resourceId of ${computeText}`, byId.unknown);
  const cluster = resourceId.value ? `attaches ${resourceId.value}, which is not a ManagedCluster in this stack,` : "names no cluster (properties.resourceId)";
  return unresolvable(
    `${computeText} ${cluster} and sets no properties.computeLocation; set properties.computeLocation to the ` +
      `cluster's region, or read the cluster with ManagedCluster.get(...)`,
  );
}

/** The workspace a service (or its compute) belongs to. */
function workspaceOf(service: TokenServiceOnAks, compute: PolicyResource, stack: StackIndex): Link<PolicyResource> {
  const label = KIND_LABELS.mlWorkspace;
  const linked = linkedThrough(service.resource, "workspaceName", "mlWorkspace");
  const wantedRead = readString(service.resource.props, ["workspaceName"]);
  const matches: PolicyResource[] = [];
  let unknownMatch: UnknownValueErrorShape | undefined;
  if (linked.length === 0 && wantedRead.status === "known" && wantedRead.value !== undefined) {
    for (const workspace of stack.workspaces) {
      const nameRead = firstKnownString(workspace, ["workspaceName", "name"]);
      if (nameRead.status === "unknown") unknownMatch ??= nameRead.cause;
      else if (nameRead.value !== undefined && sameText(nameRead.value, wantedRead.value)) matches.push(workspace);
    }
  }
  // The service and its compute share a workspace; the compute's link helps when the service's does not.
  const viaCompute = linkedThrough(compute, "workspaceName", "mlWorkspace");
  const picked = pickOne("workspaceName", linked.length > 0 ? linked : matches, viaCompute, label);
  if (picked) return picked;
  if (wantedRead.status === "unknown") return deferred("workspaceName, with no Workspace linked through its dependencies", wantedRead.cause);
  if (unknownMatch) return deferred("the Workspace named by workspaceName", unknownMatch);
  const named = wantedRead.value ? ` '${wantedRead.value}'` : "";
  return unresolvable(
    `its workspace${named} is not in this stack; manage it in this program or read it with Workspace.get(...) so its location is known`,
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
    const stack: StackIndex = {
      computes: ofKind(args.resources, "mlCompute"),
      clusters: ofKind(args.resources, "managedCluster"),
      workspaces: ofKind(args.resources, "mlWorkspace"),
    };
    const waiting: string[] = [];
    let firstCause: UnknownValueErrorShape | undefined;
    let judged = 0;
    for (const resource of args.resources) {
      const found = asTokenServiceOnAks(resource);
      if (found === undefined) continue;
      judged++;
      const verdict = then(found, (service) => {
        const outcome = judge(service, stack);
        if (outcome.status === "unresolvable") {
          return resolved<string | undefined>(`cannot verify that token-auth ${service.described} runs in its workspace's region: ${outcome.reason}`);
        }
        return outcome;
      });
      if (verdict.status === "resolved") {
        if (verdict.value !== undefined) reportViolation(verdict.value, resource.urn);
      } else {
        const kind = resourceKindOf(resource.type);
        waiting.push(`for ${describe(resource, kind ? KIND_LABELS[kind] : resource.type)}, ${verdict.reason}`);
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
