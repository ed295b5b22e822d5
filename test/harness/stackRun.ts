import * as path from "node:path";
import { vi } from "vitest";
import { AzureFakes, type AzureFakeOptions } from "../../plan/azureFakes";
import { runUnderMocks, type MockRunResult } from "../../plan/mockRun";
import { readPulumiProject, readStackConfig } from "../../plan/pulumiProject";
import { sharedRuns } from "./sharedRuns";
import { withoutStackTraces } from "./withoutStackTraces";

export const PROJECT_DIR = path.resolve(__dirname, "../..");
export const STACKS = ["dev", "staging", "prod"] as const;
export type StackName = (typeof STACKS)[number];

export interface StackRunOptions {
  /** preview semantics (default) or every output known, as after `pulumi up` */
  readonly preview?: boolean;
  /** replaces whole config keys (without namespace) of the stack file, e.g. { aksCluster: {...} } */
  readonly override?: Readonly<Record<string, unknown>>;
  /** config keys (without namespace) to drop */
  readonly remove?: readonly string[];
  readonly fakes?: Omit<AzureFakeOptions, "preview">;
}

/** The stack file's configuration with overrides applied, as the CLI passes it. */
export function stackConfig(stack: string, options: StackRunOptions = {}): Record<string, string> {
  const project = readPulumiProject(PROJECT_DIR);
  const config = { ...readStackConfig(project, stack).config };
  for (const key of options.remove ?? []) delete config[`${project.name}:${key}`];
  for (const [key, value] of Object.entries(options.override ?? {})) {
    config[`${project.name}:${key}`] = typeof value === "string" ? value : JSON.stringify(value);
  }
  return config;
}

/** Runs the real program (index.ts) for a stack under the mock runtime. */
export async function runStack(stack: string, options: StackRunOptions = {}): Promise<MockRunResult> {
  const preview = options.preview ?? true;
  return runProgramWithConfig(stackConfig(stack, options), { stack, preview, ...(options.fakes ? { fakes: options.fakes } : {}) });
}

const sharedRun = sharedRuns(([stack, options]: [string, Omit<StackRunOptions, "fakes">]) => runStack(stack, options));

/** The run of `stack` with `options`, made once for every test that only reads it (see `sharedRuns`). */
export function sharedStackRun(stack: string, options: Omit<StackRunOptions, "fakes"> = {}): Promise<MockRunResult> {
  return sharedRun([stack, { preview: options.preview ?? true, override: options.override ?? {}, remove: options.remove ?? [] }]);
}

export async function runProgramWithConfig(
  config: Record<string, string>,
  options: { stack?: string; preview?: boolean; fakes?: Omit<AzureFakeOptions, "preview"> } = {},
): Promise<MockRunResult> {
  const preview = options.preview ?? true;
  vi.resetModules();
  return withoutStackTraces(() =>
    runUnderMocks(async () => import("../../index.js"), {
      project: "aml-webservices",
      stack: options.stack ?? "test",
      preview,
      config,
      fakes: new AzureFakes({ preview, ...options.fakes }),
    }),
  );
}
