import { z } from "zod";
import { REDACTED_SECRET } from "../wireValues";
import type { JsonReport } from "../report/jsonReport";

/**
 * What a pull request changes in one stack: the JSON plan of the base branch against this plan.
 * Resources are matched by URN, policy results by policy, URN and message, whatever phases report
 * them; the same result at another enforcement level is a level change.
 */
export interface PlanComparison {
  stack: string;
  project: string;
  resources: {
    added: ComparedResource[];
    removed: ComparedResource[];
    changed: ChangedResource[];
    unchanged: number;
  };
  policyResults: {
    /** results of this plan that the base plan did not report */
    new: ComparedViolation[];
    /** results of the base plan that this plan no longer reports */
    resolved: ComparedViolation[];
    /** results in both plans at another enforcement level (a policy config made stricter or weaker) */
    levelChanged: LevelChange[];
  };
}

export interface ComparedResource {
  urn: string;
  type: string;
  name: string;
}

export interface ChangedResource extends ComparedResource {
  changes: InputChange[];
}

/** One changed input, by dotted path; a secret on either side is shown as "[secret]" on both. */
export interface InputChange {
  path: string;
  before?: unknown;
  after?: unknown;
}

export interface LevelChange extends ComparedViolation {
  baseEnforcementLevel: string;
}

export interface ComparedViolation {
  policy: string;
  enforcementLevel: string;
  message: string;
  urn: string;
  /** the plan phases that report it ("preview", "deploy"), when the plan says */
  phases?: string[];
}

/** The JSON plan as read from a file: only what a comparison needs, extra fields tolerated. */
const baseReportSchema = z.object({
  stack: z.string(),
  project: z.string(),
  resources: z.array(
    z.object({
      urn: z.string(),
      type: z.string(),
      name: z.string(),
      protect: z.boolean().optional(),
      inputs: z.record(z.string(), z.unknown()),
    }),
  ),
  violations: z.array(
    z.object({
      policy: z.string(),
      enforcementLevel: z.string(),
      message: z.string(),
      urn: z.string(),
      phase: z.string().optional(),
    }),
  ),
});

export type ComparablePlan = z.infer<typeof baseReportSchema>;

/** Parses a JSON plan (`plan --format json`); the error names the first field that does not fit. */
export function parseComparablePlan(text: string, source: string): ComparablePlan {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new Error(`${source} is not JSON (${(error as Error).message}): --compare takes the output of \`plan --format json\``);
  }
  const parsed = baseReportSchema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const where = issue.path.length > 0 ? issue.path.join(".") : "(top level)";
    throw new Error(`${source} is not a JSON plan: ${where}: ${issue.message}; --compare takes the output of \`plan --format json\``);
  }
  return parsed.data;
}

/** Refuses a base plan of another project or stack than the plan it is compared with. */
export function assertSameStack(base: { project: string; stack: string }, head: { project: string; stack: string }): void {
  if (base.project !== head.project || base.stack !== head.stack) {
    throw new Error(
      `the base plan is of ${base.project}/${base.stack}, this plan is of ${head.project}/${head.stack}: compare plans of the same stack`,
    );
  }
}

/** Compares the base branch's plan of a stack with this plan of the same stack. */
export function comparePlans(base: ComparablePlan, head: ComparablePlan | JsonReport): PlanComparison {
  assertSameStack(base, head);
  const baseByUrn = new Map(base.resources.map((r) => [r.urn, r]));
  const headUrns = new Set(head.resources.map((r) => r.urn));
  const added: ComparedResource[] = [];
  const changed: ChangedResource[] = [];
  let unchanged = 0;
  for (const resource of head.resources) {
    const before = baseByUrn.get(resource.urn);
    if (!before) {
      added.push(identity(resource));
      continue;
    }
    const changes = diffValues(before.inputs, resource.inputs, "");
    if ((before.protect ?? false) !== (resource.protect ?? false)) {
      changes.push({ path: "(protect)", before: before.protect ?? false, after: resource.protect ?? false });
    }
    if (changes.length > 0) changed.push({ ...identity(resource), changes });
    else unchanged += 1;
  }
  const removed = base.resources.filter((r) => !headUrns.has(r.urn)).map(identity);

  // The same finding in the preview and the deploy phase is one finding, shown with its phases.
  const baseFindings = findings(base.violations);
  const headFindings = findings(head.violations);
  const levelChanged: LevelChange[] = [];
  for (const [key, violation] of headFindings) {
    const before = baseFindings.get(key);
    if (before && before.enforcementLevel !== violation.enforcementLevel) {
      levelChanged.push({ ...violation, baseEnforcementLevel: before.enforcementLevel });
    }
  }
  return {
    stack: head.stack,
    project: head.project,
    resources: { added, removed, changed, unchanged },
    policyResults: {
      new: [...headFindings].filter(([key]) => !baseFindings.has(key)).map(([, violation]) => violation),
      resolved: [...baseFindings].filter(([key]) => !headFindings.has(key)).map(([, violation]) => violation),
      levelChanged,
    },
  };
}

/** Whether the comparison has anything to show. */
export function hasChanges(comparison: PlanComparison): boolean {
  const { resources, policyResults } = comparison;
  return (
    resources.added.length +
      resources.removed.length +
      resources.changed.length +
      policyResults.new.length +
      policyResults.resolved.length +
      policyResults.levelChanged.length >
    0
  );
}

function identity(resource: ComparedResource): ComparedResource {
  return { urn: resource.urn, type: resource.type, name: resource.name };
}

type ViolationLike = Pick<ComparedViolation, "policy" | "enforcementLevel" | "message" | "urn"> & { phase?: string };

/**
 * A plan's results by policy, URN and message; a finding reported in several phases (or, in a plan
 * from before phases existed, in none) is one entry with the phases that report it.
 */
function findings(violations: readonly ViolationLike[]): Map<string, ComparedViolation> {
  const byKey = new Map<string, ComparedViolation>();
  for (const violation of violations) {
    const key = JSON.stringify([violation.policy, violation.urn, violation.message]);
    const known = byKey.get(key);
    if (!known) {
      byKey.set(key, {
        policy: violation.policy,
        enforcementLevel: violation.enforcementLevel,
        message: violation.message,
        urn: violation.urn,
        ...(violation.phase !== undefined ? { phases: [violation.phase] } : {}),
      });
    } else if (violation.phase !== undefined && !known.phases?.includes(violation.phase)) {
      known.phases = [...(known.phases ?? []), violation.phase];
    }
  }
  return byKey;
}

/** Leaf-level differences; arrays are compared element by element, secrets never shown. */
export function diffValues(before: unknown, after: unknown, path: string): InputChange[] {
  const at = path || "(inputs)";
  if (before === REDACTED_SECRET || after === REDACTED_SECRET) {
    // a value that turns secret (or stops being one) is reported, its plaintext never
    if (before === after) return [];
    return [{ path: at, ...(before !== undefined ? { before: REDACTED_SECRET } : {}), ...(after !== undefined ? { after: REDACTED_SECRET } : {}) }];
  }
  if (isRecord(before) && isRecord(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    return keys.flatMap((key) => diffValues(before[key], after[key], path ? `${path}.${key}` : key));
  }
  if (Array.isArray(before) && Array.isArray(after)) {
    const length = Math.max(before.length, after.length);
    return Array.from({ length }, (_, index) => diffValues(before[index], after[index], `${path}[${index}]`)).flat();
  }
  if (JSON.stringify(before) === JSON.stringify(after)) return [];
  return [{ path: at, ...(before !== undefined ? { before } : {}), ...(after !== undefined ? { after } : {}) }];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
