import type { PlanModel, PlannedResource, PlannedViolation } from "./planModel";

/** The machine-readable report; its shape is a contract (see README). */
export interface JsonReport {
  stack: string;
  project: string;
  resources: Array<Pick<PlannedResource, "urn" | "type" | "name" | "parent" | "dependencies" | "protect" | "read" | "inputs">>;
  phaseDifferences: PlanModel["phaseDifferences"];
  violations: Array<Pick<PlannedViolation, "phase" | "policy" | "enforcementLevel" | "message" | "urn" | "deferredToUpdate" | "undecided">>;
  summary: PlanModel["summary"];
  /** what the program printed or logged, scrubbed: never part of the report's own structure */
  programMessages: PlanModel["programMessages"];
  /** limits of this plan */
  warnings: string[];
}

export function toJsonReport(model: PlanModel): JsonReport {
  return {
    stack: model.stack,
    project: model.project,
    resources: model.resources.map((r) => ({
      urn: r.urn,
      type: r.type,
      name: r.name,
      parent: r.parent,
      dependencies: r.dependencies,
      protect: r.protect,
      read: r.read,
      inputs: r.inputs,
    })),
    phaseDifferences: model.phaseDifferences,
    violations: model.violations.map((v) => ({
      phase: v.phase,
      policy: v.policy,
      enforcementLevel: v.enforcementLevel,
      message: v.message,
      urn: v.urn,
      deferredToUpdate: v.deferredToUpdate,
      undecided: v.undecided,
    })),
    summary: { ...model.summary },
    programMessages: model.programMessages,
    warnings: model.warnings,
  };
}

export function renderJson(model: PlanModel): string {
  return `${JSON.stringify(toJsonReport(model), null, 2)}\n`;
}
