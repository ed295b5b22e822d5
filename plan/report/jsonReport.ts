import type { PlanModel } from "./planModel";

/** The machine-readable report; its shape is a contract (see README). */
export interface JsonReport {
  stack: string;
  project: string;
  resources: Array<{
    urn: string;
    type: string;
    name: string;
    parent: string | null;
    dependencies: string[];
    protect: boolean;
    inputs: Record<string, unknown>;
  }>;
  violations: Array<{ policy: string; enforcementLevel: string; message: string; urn: string }>;
  /** advisory excludes the checks deferred to update (values unknown during preview), which `deferred` counts */
  summary: { resources: number; mandatory: number; advisory: number; deferred: number };
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
