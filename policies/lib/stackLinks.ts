// Following links between resources in a stack policy: by ARM id or name in the properties, and by the
// dependencies the engine recorded (which still work during preview, when ids are unknown).
import type { PolicyResource } from "@pulumi/policy";
import { SUBSCRIPTION_PLACEHOLDER } from "./armExpressions";
import type { UnknownValueErrorShape } from "./policyRuntime";
import { type ResourceKind, resourceKindOf } from "./resourceKinds";
import { type Read, readString, sameText } from "./values";

/** The outcome of following one link. */
export type Link<T> =
  | { readonly status: "resolved"; readonly value: T }
  /** Not known during preview; the check runs at update. */
  | { readonly status: "deferred"; readonly reason: string; readonly cause?: UnknownValueErrorShape }
  /** Known values that lead nowhere: the check cannot be done, at preview or at update. */
  | { readonly status: "unresolvable"; readonly reason: string };

export function resolved<T>(value: T): Link<T> {
  return { status: "resolved", value };
}

export function deferred<T>(reason: string, cause?: UnknownValueErrorShape): Link<T> {
  return { status: "deferred", reason: cause ? `${reason} (${cause.message})` : reason, cause };
}

export function unresolvable<T>(reason: string): Link<T> {
  return { status: "unresolvable", reason };
}

/** "Compute 'aks-compute'", naming the resource as the program does. */
export function describe(resource: PolicyResource, label: string): string {
  return `${label} '${resource.name}'`;
}

/**
 * Resources of `kind` the engine recorded as feeding `property` of `resource`, else any dependency of
 * that kind. Distinct, in the engine's order.
 */
export function linkedThrough(resource: PolicyResource, property: string, kind: ResourceKind): PolicyResource[] {
  const viaProperty = (resource.propertyDependencies[property] ?? []).filter((r) => resourceKindOf(r.type) === kind);
  const candidates = viaProperty.length > 0 ? viaProperty : resource.dependencies.filter((r) => resourceKindOf(r.type) === kind);
  return [...new Set(candidates)];
}

/**
 * ARM ids compare case-insensitively; an id a template builds with resourceId() in the deployment's own
 * subscription carries a placeholder for it, which matches any subscription.
 */
export function sameArmId(a: string, b: string): boolean {
  if (sameText(a, b)) return true;
  if (!a.includes(SUBSCRIPTION_PLACEHOLDER) && !b.includes(SUBSCRIPTION_PLACEHOLDER)) return false;
  const withoutSubscription = (id: string): string => id.replace(/^\/subscriptions\/[^/]+/i, "");
  return sameText(withoutSubscription(a), withoutSubscription(b));
}

/** Lower-cased ARM id keys to values: `/resourceGroups/rg/.../workspaces/ws` gives resourcegroups→rg, workspaces→ws. */
export function armIdParts(id: string): ReadonlyMap<string, string> {
  const segments = id.split("/").filter((segment) => segment !== "");
  const parts = new Map<string, string>();
  for (let i = 0; i + 1 < segments.length; i += 2) parts.set(segments[i].toLowerCase(), segments[i + 1]);
  return parts;
}

/** The first known string among the given top-level properties (e.g. `computeName`, then the output `name`). */
export function firstKnownString(resource: PolicyResource, keys: readonly string[]): Read<string | undefined> {
  let firstUnknown: Read<string | undefined> | undefined;
  for (const key of keys) {
    const read = readString(resource.props, [key]);
    if (read.status === "known" && read.value !== undefined) return read;
    if (read.status === "unknown") firstUnknown ??= read;
  }
  return firstUnknown ?? { status: "known", value: undefined };
}

/** "maybe": the name matches but a parent (workspace, resource group) is unknown during preview. */
export type Match = "yes" | "no" | { readonly maybe: UnknownValueErrorShape } | { readonly unknown: UnknownValueErrorShape };

/** Whether `resource` is the one an ARM id names, comparing its id, or its name and parent names. */
export function matchesArmId(
  resource: PolicyResource,
  id: string,
  nameKeys: readonly string[],
  idSegment: string,
  parentChecks: readonly { readonly propertyKey: string; readonly idSegment: string }[] = [],
): Match {
  const ownId = readString(resource.props, ["id"]);
  if (ownId.status === "known" && ownId.value !== undefined) return sameArmId(ownId.value, id) ? "yes" : "no";
  const parts = armIdParts(id);
  const wanted = parts.get(idSegment.toLowerCase());
  if (wanted === undefined) return "no";
  const nameRead = firstKnownString(resource, nameKeys);
  if (nameRead.status === "unknown") return { unknown: nameRead.cause };
  if (nameRead.value === undefined || !sameText(nameRead.value, wanted)) return "no";
  let unknownParent: UnknownValueErrorShape | undefined;
  for (const check of parentChecks) {
    const expected = parts.get(check.idSegment.toLowerCase());
    if (expected === undefined) continue;
    const read = readString(resource.props, [check.propertyKey]);
    if (read.status === "unknown") unknownParent ??= read.cause;
    else if (read.value !== undefined && !sameText(read.value, expected)) return "no";
  }
  return unknownParent ? { maybe: unknownParent } : "yes";
}

export interface ArmIdLookup {
  /** Top-level properties that hold the resource's name, in order (e.g. `computeName`, then output `name`). */
  readonly nameKeys: readonly string[];
  /** The id segment that carries the name, e.g. `computes`. */
  readonly idSegment: string;
  /** Parent names the id must agree with when the candidate states them, e.g. its `workspaceName`. */
  readonly parentChecks?: readonly { readonly propertyKey: string; readonly idSegment: string }[];
}

export interface ArmIdMatches {
  readonly matches: PolicyResource[];
  /** Candidates whose name matches while a parent name is unknown during preview. */
  readonly maybes: PolicyResource[];
  /** The first unknown met (a parent of a maybe, or a candidate's name). */
  readonly unknown?: UnknownValueErrorShape;
  /** Whether some candidate's own name is unknown, so it could be the one as well. */
  readonly nameUnknown: boolean;
}

/** The candidates an ARM id names. */
export function findByArmId(candidates: readonly PolicyResource[], id: string, lookup: ArmIdLookup): ArmIdMatches {
  const matches: PolicyResource[] = [];
  const maybes: PolicyResource[] = [];
  let unknown: UnknownValueErrorShape | undefined;
  let nameUnknown = false;
  for (const candidate of candidates) {
    const match = matchesArmId(candidate, id, lookup.nameKeys, lookup.idSegment, lookup.parentChecks);
    if (match === "yes") matches.push(candidate);
    else if (match === "no") continue;
    else if ("maybe" in match) {
      maybes.push(candidate);
      unknown ??= match.maybe;
    } else {
      unknown ??= match.unknown;
      nameUnknown = true;
    }
  }
  return { matches, maybes, unknown, nameUnknown };
}

/**
 * The one resource a known ARM id names: an exact match, else the only candidate of that name whose
 * parents are still unknown, narrowed by the resources the engine recorded as feeding the link.
 */
export function resolveArmId(found: ArmIdMatches, linked: readonly PolicyResource[]): PolicyResource[] {
  if (found.matches.length > 0) return found.matches;
  const corroborated = found.maybes.filter((candidate) => linked.includes(candidate));
  if (corroborated.length > 0) return corroborated;
  return found.maybes.length === 1 && !found.nameUnknown ? found.maybes : [];
}

/**
 * Picks the single resource a link points at. `byValue` are the matches found through the property
 * value, `byDependency` the fallback through recorded dependencies.
 */
export function pickOne(
  subject: string,
  byValue: readonly PolicyResource[],
  byDependency: readonly PolicyResource[],
  label: string,
): Link<PolicyResource> | undefined {
  const candidates = byValue.length > 0 ? byValue : byDependency;
  if (candidates.length === 1) return resolved(candidates[0]);
  if (candidates.length > 1) {
    const names = candidates.map((candidate) => `'${candidate.name}'`).join(", ");
    return unresolvable(`${subject} could be any of ${label} ${names}`);
  }
  return undefined;
}

/**
 * Regions compare as the components compare them: lowercased, without whitespace, hyphens or underscores
 * ("West Europe", "west-europe" and "west_europe" are all "westeurope").
 */
export function normalizeRegion(location: string): string {
  return location.toLowerCase().replace(/[\s_-]/g, "");
}

/** A resource's `location`, deferred while unknown or while Azure has yet to assign it at create. */
export function locationOf(resource: PolicyResource, label: string): Link<string> {
  const read = readString(resource.props, ["location"]);
  if (read.status === "unknown") return deferred(`location of ${describe(resource, label)}`, read.cause);
  if (read.value === undefined || read.value === "") {
    return deferred(`${describe(resource, label)} sets no location (Azure assigns its resource group's at create)`);
  }
  return resolved(read.value);
}
