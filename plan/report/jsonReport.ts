import type { PlanModel, PlannedResource, PlannedViolation } from "./planModel";

/** The machine-readable report; its shape is a contract (see README). */
export interface JsonReport {
  stack: string;
  project: string;
  resources: Array<Pick<PlannedResource, "urn" | "type" | "name" | "parent" | "dependencies" | "protect" | "inputs">>;
  violations: Array<Pick<PlannedViolation, "policy" | "enforcementLevel" | "message" | "urn">>;
  summary: PlanModel["summary"];
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
      inputs: r.inputs,
    })),
    violations: model.violations.map((v) => ({
      policy: v.policy,
      enforcementLevel: v.enforcementLevel,
      message: v.message,
      urn: v.urn,
    })),
    summary: { ...model.summary },
  };
}

export function renderJson(model: PlanModel): string {
  return `${JSON.stringify(toJsonReport(model), null, 2)}\n`;
}
