import type { LoggedMessage } from "../mockRun";
import type { PlanPhase } from "../programRun";
import type { PolicyEvaluation } from "../policyEvaluation";
import type { RecordedResource } from "../recordedResource";
import type { SecretScrubber } from "../secretScrubber";
import { redact, type WireValue } from "../wireValues";
import { canonicalOrder } from "./canonicalOrder";

/** One resource the stack would create, ready to print: inputs redacted, strings scrubbed. */
export interface PlannedResource {
  urn: string;
  type: string;
  name: string;
  parent: string | null;
  dependencies: string[];
  protect: boolean;
  /** false for components and the stack */
  custom: boolean;
  /** read with `Resource.get(...)`, not created */
  read: boolean;
  /** inputs (after remediation) with secrets as "[secret]" and unknowns as "(known after apply)" */
  inputs: Record<string, unknown>;
}

export interface PlannedViolation {
  /** `preview`: what `pulumi preview` shows; `deploy`: what `pulumi up` enforces */
  phase: PlanPhase;
  policy: string;
  enforcementLevel: "mandatory" | "advisory" | "remediate";
  message: string;
  urn: string;
  /** preview phase: an advisory "can't run during preview"; the deploy phase decides the check */
  deferredToUpdate: boolean;
  /**
   * deploy phase: the check still needs a value that no run of the program can know, because it
   * comes from outside the program (a resource read with `.get()`, a stack reference)
   */
  undecided: boolean;
  /** the resource the URN names, when the plan has it */
  resourceType?: string;
  resourceName?: string;
}

/** Everything a report shows; each format renders this and nothing else. */
export interface PlanModel {
  stack: string;
  project: string;
  projectDir: string;
  policyPack: { name: string; version: string; dir: string; configFile?: string };
  resources: PlannedResource[];
  /** resources the program registers only when it deploys (not in preview), and the reverse */
  phaseDifferences: { deployOnly: string[]; previewOnly: string[] };
  violations: PlannedViolation[];
  /**
   * mandatory and advisory count distinct findings of both phases; advisory excludes the checks
   * deferred in preview (`deferred`) and the checks left undecided at deploy (`undecided`)
   */
  summary: { resources: number; mandatory: number; advisory: number; deferred: number; undecided: number };
  /** what the program printed or logged (info and warnings; errors stop the plan) */
  programMessages: LoggedMessage[];
  /** limits of this plan worth telling the reader */
  warnings: string[];
}

export interface PlanModelInput {
  stack: string;
  project: string;
  projectDir: string;
  packDir: string;
  packConfigFile?: string;
  /** the preview phase's registrations: what `pulumi preview` shows */
  resources: RecordedResource[];
  /** the deploy phase's registrations */
  deployResources?: RecordedResource[];
  /** results of both phases */
  evaluation: PolicyEvaluation;
  programMessages: LoggedMessage[];
  warnings: string[];
  scrubber: SecretScrubber;
}

/** How the policy SDK reports a policy or remediation that read a value unknown during preview. */
const DEFERRED_TO_UPDATE = /^can't run (?:policy|remediation) '[^']*' from policy pack '[^']*' during preview: /;

/** The reason a deferred check gives, without the SDK's prefix. */
export function deferralReason(violation: PlannedViolation): string {
  return violation.message.replace(DEFERRED_TO_UPDATE, "");
}

const LEVEL_ORDER = { mandatory: 0, advisory: 1, remediate: 2 } as const;
const PHASE_ORDER = { preview: 0, deploy: 1 } as const;

/** The same finding in both phases counts once. */
function distinctFindings(violations: PlannedViolation[]): number {
  return new Set(violations.map(findingKey)).size;
}

/** What identifies a finding across phases. */
export function findingKey(violation: PlannedViolation): string {
  return JSON.stringify([violation.policy, violation.enforcementLevel, violation.urn, violation.message]);
}

export function buildPlanModel(input: PlanModelInput): PlanModel {
  const { scrubber, evaluation } = input;
  const scrub = (text: string): string => scrubber.scrub(text);
  const previewResources = canonicalOrder(input.resources);
  const deployResources = canonicalOrder(input.deployResources ?? []);
  const order = new Map([...previewResources, ...deployResources].map((r, index) => [r.urn, index]));
  const byUrn = new Map([...deployResources, ...input.resources].map((r) => [r.urn, r]));
  const previewUrns = new Set(previewResources.map((r) => r.urn));
  const deployUrns = new Set(deployResources.map((r) => r.urn));

  const resources: PlannedResource[] = previewResources.map((r) => ({
    urn: scrub(r.urn),
    type: r.type,
    name: scrub(r.name),
    parent: r.parent ? scrub(r.parent) : null,
    dependencies: r.dependencies.map(scrub),
    protect: r.protect,
    custom: r.custom,
    read: r.read === true,
    inputs: scrubber.scrubDeep(redact(evaluation.remediatedInputs[r.urn] ?? r.inputs) as Record<string, WireValue>) as Record<
      string,
      unknown
    >,
  }));

  const violations: PlannedViolation[] = evaluation.results
    .map((result, index) => ({ result, index }))
    .sort(
      (a, b) =>
        PHASE_ORDER[a.result.phase] - PHASE_ORDER[b.result.phase] ||
        LEVEL_ORDER[a.result.enforcementLevel] - LEVEL_ORDER[b.result.enforcementLevel] ||
        (order.get(a.result.urn) ?? Infinity) - (order.get(b.result.urn) ?? Infinity) ||
        a.index - b.index,
    )
    .map(({ result }) => {
      const resource = byUrn.get(result.urn);
      const cannotRun = result.enforcementLevel === "advisory" && DEFERRED_TO_UPDATE.test(result.message);
      return {
        phase: result.phase,
        policy: result.policy,
        enforcementLevel: result.enforcementLevel,
        message: scrub(result.message),
        deferredToUpdate: cannotRun && result.phase === "preview",
        undecided: cannotRun && result.phase === "deploy",
        urn: scrub(result.urn),
        ...(resource ? { resourceType: resource.type, resourceName: scrub(resource.name) } : {}),
      };
    });

  // as a sequence: a secret logged line by line is split over consecutive messages
  const programMessages = scrubber.scrubSequence(input.programMessages.map((m) => m.message));

  return {
    stack: input.stack,
    project: input.project,
    projectDir: input.projectDir,
    policyPack: {
      name: evaluation.pack.name,
      version: evaluation.pack.version,
      dir: input.packDir,
      ...(input.packConfigFile ? { configFile: input.packConfigFile } : {}),
    },
    resources,
    phaseDifferences: {
      deployOnly: deployResources.length > 0 ? [...deployUrns].filter((urn) => !previewUrns.has(urn)).map(scrub) : [],
      previewOnly: deployResources.length > 0 ? [...previewUrns].filter((urn) => !deployUrns.has(urn)).map(scrub) : [],
    },
    violations,
    summary: {
      resources: resources.length,
      mandatory: distinctFindings(violations.filter((v) => v.enforcementLevel === "mandatory")),
      advisory: distinctFindings(violations.filter((v) => v.enforcementLevel === "advisory" && !v.deferredToUpdate && !v.undecided)),
      deferred: violations.filter((v) => v.deferredToUpdate).length,
      undecided: violations.filter((v) => v.undecided).length,
    },
    programMessages: input.programMessages.map((m, index) => ({ severity: m.severity, message: programMessages[index] ?? "" })),
    warnings: scrubber.scrubSequence(input.warnings),
  };
}

/** 0 when no mandatory violation is found, 1 when one is (as `pulumi preview`). */
export function exitCodeOf(model: PlanModel): 0 | 1 {
  return model.summary.mandatory > 0 ? 1 : 0;
}

/** Resource counts by type, most frequent first, then by type name. */
export function countByType(resources: PlannedResource[]): Array<[type: string, count: number]> {
  const counts = new Map<string, number>();
  for (const r of resources) counts.set(r.type, (counts.get(r.type) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
}

export interface ResourceTreeNode {
  resource: PlannedResource;
  children: ResourceTreeNode[];
}

/** Parent → children, in the order of `resources`; resources whose parent is unknown are roots. */
export function resourceTree(resources: PlannedResource[]): ResourceTreeNode[] {
  const nodes = new Map(resources.map((resource) => [resource.urn, { resource, children: [] as ResourceTreeNode[] }]));
  const roots: ResourceTreeNode[] = [];
  for (const node of nodes.values()) {
    const parent = node.resource.parent ? nodes.get(node.resource.parent) : undefined;
    if (parent) parent.children.push(node);
    else roots.push(node);
  }
  return roots;
}

/** `type name` of a violation's resource, or its URN. */
export function violationSubject(violation: PlannedViolation): string {
  return violation.resourceType ? `${violation.resourceType} ${violation.resourceName}` : violation.urn;
}

export function summaryLine(model: PlanModel): string {
  const verdict =
    model.summary.mandatory > 0
      ? `blocked: ${model.summary.mandatory} mandatory policy violation${model.summary.mandatory === 1 ? "" : "s"}`
      : "no mandatory policy violations";
  return (
    `${model.project}/${model.stack}: ${model.summary.resources} resource${model.summary.resources === 1 ? "" : "s"}, ` +
    `${model.summary.mandatory} mandatory, ${model.summary.advisory} advisory` +
    (model.summary.deferred > 0 ? `, ${model.summary.deferred} deferred in preview` : "") +
    (model.summary.undecided > 0 ? `, ${model.summary.undecided} undecided (values from outside the program)` : "") +
    ` (${verdict})`
  );
}

/** A finding with the phases that report it; the same finding in both phases is shown once. */
export interface PhasedFinding {
  violation: PlannedViolation;
  phases: PlanPhase[];
}

/** Decided findings (neither deferred nor undecided), merged across phases, in report order. */
export function phasedFindings(violations: PlannedViolation[]): PhasedFinding[] {
  const findings = new Map<string, PhasedFinding>();
  for (const violation of violations) {
    if (violation.deferredToUpdate || violation.undecided) continue;
    const key = findingKey(violation);
    const finding = findings.get(key);
    if (finding) {
      if (!finding.phases.includes(violation.phase)) finding.phases.push(violation.phase);
    } else findings.set(key, { violation, phases: [violation.phase] });
  }
  return [...findings.values()].sort(
    (a, b) => LEVEL_ORDER[a.violation.enforcementLevel] - LEVEL_ORDER[b.violation.enforcementLevel],
  );
}

/** "preview and deploy", "deploy only"... */
export function phaseLabel(phases: PlanPhase[]): string {
  return phases.length === 2 ? "preview and deploy" : `${phases[0]} only`;
}
