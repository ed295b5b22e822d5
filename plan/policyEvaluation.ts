import { existsSync, readFileSync } from "node:fs";
import { z } from "zod";
import type {
  AnalyzeDiagnostic,
  AnalyzerInfo,
  AnalyzerProviderResource,
  AnalyzerResource,
  AnalyzerStackResource,
  EnforcementLevel,
  PolicyAnalyzer,
  PolicyConfigEntry,
  PolicyInfo,
  StackConfiguration,
} from "./analyzer";
import { PlanConfigError, PolicyPackError } from "./planErrors";
import type { RecordedResource } from "./recordedResource";
import type { PlanPhase } from "./programRun";
import { engineProperties, isPlainObject, UNKNOWN, type WireValue } from "./wireValues";

const LEVELS: readonly EnforcementLevel[] = ["advisory", "mandatory", "remediate", "disabled"];

/** The analyzer calls the engine makes; `PolicyAnalyzer` implements them over gRPC. */
export type PolicyAnalyzerCalls = Pick<
  PolicyAnalyzer,
  "getAnalyzerInfo" | "configure" | "configureStack" | "remediate" | "analyze" | "analyzeStack"
>;

/** A reported policy result, as the CLI would print it under "Policies". */
export interface PolicyResult {
  policy: string;
  policyPack: string;
  policyPackVersion: string;
  /** "remediate": the pack changed the resource's inputs (applied to the plan) */
  enforcementLevel: "mandatory" | "advisory" | "remediate";
  message: string;
  description: string;
  urn: string;
  /** which engine call produced it */
  stage: "remediate" | "analyze" | "analyzeStack";
  /** `preview`: what `pulumi preview` shows; `deploy`: what `pulumi up` enforces before each step */
  phase: PlanPhase;
}

export interface PolicyEvaluation {
  pack: { name: string; version: string; displayName: string };
  policies: PolicyInfo[];
  /** the config sent to `Configure`, after defaults, the pack's initial config and the config file */
  config: Record<string, PolicyConfigEntry>;
  results: PolicyResult[];
  /** inputs after remediation, for the resources a remediation changed, by URN */
  remediatedInputs: Record<string, Record<string, WireValue>>;
}

export interface EvaluationContext {
  project: string;
  stack: string;
  /** the engine phase the resources come from; default preview */
  phase?: PlanPhase;
  /** parsed policy pack config file (see `loadPolicyPackConfig`), if any */
  packConfig?: Record<string, PolicyConfigEntry>;
  /** where `packConfig` came from, for messages */
  packConfigFile?: string;
  /** sent with `ConfigureStack`, as the CLI sends it */
  stackConfiguration?: Omit<StackConfiguration, "stack" | "project" | "dryRun">;
}

/**
 * Reads a policy pack config file as the CLI does (`--policy-pack-config`): each key is a policy
 * name or `all`; a value is an enforcement level or an object with `enforcementLevel` and the
 * policy's properties.
 */
export function loadPolicyPackConfig(file: string): Record<string, PolicyConfigEntry> {
  if (!existsSync(file)) throw new PlanConfigError(`policy pack config ${file} does not exist`);
  const text = readFileSync(file, "utf8");
  if (text.trim() === "") return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new PlanConfigError(`policy pack config ${file} is not valid JSON: ${(error as Error).message}`);
  }
  if (!isPlainObject(parsed)) throw new PlanConfigError(`policy pack config ${file} must be a JSON object`);
  return parsePolicyPackConfig(parsed, file);
}

export function parsePolicyPackConfig(config: Record<string, unknown>, source: string): Record<string, PolicyConfigEntry> {
  const result: Record<string, PolicyConfigEntry> = {};
  for (const [policy, value] of Object.entries(config)) {
    if (typeof value === "string") {
      result[policy] = { enforcementLevel: enforcementLevel(value, policy, source) };
    } else if (isPlainObject(value)) {
      const { enforcementLevel: level, ...properties } = value;
      result[policy] = {
        ...(level !== undefined ? { enforcementLevel: enforcementLevel(level, policy, source) } : {}),
        ...(Object.keys(properties).length > 0 ? { properties } : {}),
      };
    } else {
      throw new PlanConfigError(`${source}: '${policy}' must be an enforcement level or an object`);
    }
  }
  return result;
}

function enforcementLevel(value: unknown, policy: string, source: string): EnforcementLevel {
  if (typeof value === "string" && (LEVELS as readonly string[]).includes(value)) return value as EnforcementLevel;
  throw new PlanConfigError(
    `${source}: '${policy}': ${JSON.stringify(value)} is not a valid enforcement level (use ${LEVELS.join(", ")})`,
  );
}

/**
 * The engine's config reconciliation: per policy, its default enforcement level and the
 * `default`s of its config schema; then the pack's initial config; then the config file (`all`
 * sets every level first, then per-policy entries). The result is validated against each
 * policy's schema. Unlike the CLI, a config file naming a policy the pack does not have is refused.
 */
export function reconcilePolicyConfig(
  info: AnalyzerInfo,
  packConfig: Record<string, PolicyConfigEntry> = {},
  source = "policy pack config",
): Record<string, PolicyConfigEntry> {
  const known = new Set(info.policies.map((p) => p.name));
  const unknown = Object.keys(packConfig).filter((name) => name !== "all" && !known.has(name));
  if (unknown.length > 0) {
    throw new PlanConfigError(
      `${source} names ${unknown.length === 1 ? "a policy" : "policies"} that policy pack '${info.name}' does not have: ` +
        `${unknown.map((n) => `'${n}'`).join(", ")} (it has: ${[...known].join(", ") || "none"})`,
    );
  }

  const result: Record<string, PolicyConfigEntry> = {};
  for (const policy of info.policies) {
    const defaults: Record<string, unknown> = {};
    for (const [property, schema] of Object.entries(policy.configSchema?.properties ?? {})) {
      if (isPlainObject(schema) && "default" in schema) defaults[property] = schema.default;
    }
    result[policy.name] = { enforcementLevel: policy.enforcementLevel, properties: defaults };
  }
  const apply = (config: Record<string, PolicyConfigEntry>): void => {
    const all = config.all?.enforcementLevel;
    if (all) for (const entry of Object.values(result)) entry.enforcementLevel = all;
    for (const [name, given] of Object.entries(config)) {
      const entry = result[name];
      if (name === "all" || !entry) continue;
      if (given.enforcementLevel) entry.enforcementLevel = given.enforcementLevel;
      entry.properties = { ...entry.properties, ...given.properties };
    }
  };
  apply(info.initialConfig);
  apply(packConfig);

  const problems: string[] = [];
  for (const policy of info.policies) {
    if (!policy.configSchema) continue;
    const properties = result[policy.name]!.properties ?? {};
    for (const required of policy.configSchema.required) {
      if (!(required in properties)) problems.push(`${policy.name}: '${required}' is required`);
    }
    let schema: z.ZodType | undefined;
    try {
      schema = z.fromJSONSchema({ type: "object", properties: policy.configSchema.properties } as never);
    } catch {
      schema = undefined; // a schema zod cannot read is left to the pack, as before the CLI validated configs
    }
    const parsed = schema?.safeParse(properties);
    if (parsed && !parsed.success) {
      for (const issue of parsed.error.issues) {
        problems.push(`${policy.name}: ${issue.path.length ? `'${issue.path.join(".")}': ` : ""}${issue.message}`);
      }
    }
  }
  if (problems.length > 0) {
    throw new PlanConfigError(`${source} is invalid for policy pack '${info.name}':\n${problems.map((p) => `  ${p}`).join("\n")}`);
  }
  return result;
}

/**
 * What the engine does with a policy pack during `pulumi preview`, on recorded resources:
 * `GetAnalyzerInfo`, `Configure` (reconciled config), `ConfigureStack`; per resource, in
 * registration order, `Remediate` (only when a policy is configured to remediate) then `Analyze` with
 * the (remediated) inputs, several resources in flight at once; finally
 * `AnalyzeStack` with every resource's outputs.
 *
 * Like the engine, every registered resource is sent: the stack, components, explicit providers
 * and custom resources (default providers are not registered under mocks, so they are not).
 * `resources` may still be coming (a run in progress): the pack is configured meanwhile, and a run
 * that fails meanwhile fails the evaluation when it is awaited, never as an unhandled rejection.
 */
export async function evaluatePolicies(
  analyzer: PolicyAnalyzerCalls,
  resources: RecordedResource[] | Promise<RecordedResource[]>,
  context: EvaluationContext,
): Promise<PolicyEvaluation> {
  if (resources instanceof Promise) resources.catch(() => undefined);
  const phase = context.phase ?? "preview";
  const info = await analyzer.getAnalyzerInfo();
  const config = reconcilePolicyConfig(info, context.packConfig, context.packConfigFile ?? "policy pack config");
  await analyzer.configure(config);
  await analyzer.configureStack({
    stack: context.stack,
    project: context.project,
    dryRun: phase === "preview",
    config: context.stackConfiguration?.config ?? {},
    secretKeys: context.stackConfiguration?.secretKeys ?? [],
    tags: context.stackConfiguration?.tags ?? {},
    ...(context.stackConfiguration?.organization ? { organization: context.stackConfiguration.organization } : {}),
  });

  const recorded = await resources;
  const byUrn = new Map(recorded.map((r) => [r.urn, r]));
  const results: PolicyResult[] = [];
  const remediatedInputs: Record<string, Record<string, WireValue>> = {};
  const result = (
    d: Pick<AnalyzeDiagnostic, "policyName" | "policyPackName" | "policyPackVersion" | "description">,
    level: PolicyResult["enforcementLevel"],
    message: string,
    urn: string,
    stage: PolicyResult["stage"],
  ): PolicyResult => ({
    policy: d.policyName,
    policyPack: d.policyPackName,
    policyPackVersion: d.policyPackVersion,
    enforcementLevel: level,
    message,
    description: d.description,
    urn,
    stage,
    phase,
  });

  // The SDK's Remediate runs only policies whose configured level is "remediate" (PolicyInfo does
  // not say which policies implement a remediation), so without one every Remediate answers nothing.
  const remediates = Object.values(config).some((entry) => entry.enforcementLevel === "remediate");
  const checkResource = async (resource: RecordedResource): Promise<PolicyResult[]> => {
    const found: PolicyResult[] = [];
    let inputs = engineProperties(resource.inputs);
    const request = (): AnalyzerResource => ({
      urn: resource.urn,
      type: resource.type,
      name: resource.name,
      properties: inputs,
      options: { protect: resource.protect, ...(resource.parent ? { parent: resource.parent } : {}) },
      ...providerOf(resource, byUrn),
    });

    const remediations = remediates ? await withResource(resource, () => analyzer.remediate(request())) : [];
    for (const remediation of remediations) {
      if (remediation.diagnostic) {
        found.push(result(remediation, "advisory", remediation.diagnostic, resource.urn, "remediate"));
      } else if (remediation.properties) {
        inputs = engineProperties(remediation.properties);
        remediatedInputs[resource.urn] = inputs;
        found.push(result(remediation, "remediate", remediation.description || "remediated", resource.urn, "remediate"));
      }
    }

    for (const diagnostic of await withResource(resource, () => analyzer.analyze(request()))) {
      const level = reportedLevel(diagnostic.enforcementLevel);
      // the engine reports Analyze results against the resource analyzed, whatever URN the pack gave
      if (level) found.push(result(diagnostic, level, diagnostic.message, resource.urn, "analyze"));
    }
    return found;
  };
  // a read (`Resource.get`) is no step the engine checks with Analyze; the stack policy sees it
  const checked = recorded.filter((resource) => !resource.read);
  for (const found of await inOrder(checked, ANALYZE_CALLS_IN_FLIGHT, checkResource)) results.push(...found);

  const stackUrn = recorded.find((r) => r.type === "pulumi:pulumi:Stack")?.urn ?? rootStackUrn(context.project, context.stack);
  // one at a time, each written as it is made: a stack's outputs never all live as copies at once
  const stackResources = (function* (): Generator<AnalyzerStackResource> {
    for (const resource of recorded) {
      yield {
        urn: resource.urn,
        type: resource.type,
        name: resource.name,
        properties: engineProperties(
          resource.read ? readState(resource) : outputsAfterRemediation(resource, remediatedInputs[resource.urn]),
        ),
        options: { protect: resource.protect },
        ...providerOf(resource, byUrn),
        ...(resource.parent ? { parent: resource.parent } : {}),
        dependencies: resource.dependencies,
        propertyDependencies: resource.propertyDependencies,
      };
    }
  })();
  for (const diagnostic of await analyzer.analyzeStack(stackResources)) {
    const level = reportedLevel(diagnostic.enforcementLevel);
    // a URN the stack does not have is reported against the stack, as the engine does
    const urn = diagnostic.urn && byUrn.has(diagnostic.urn) ? diagnostic.urn : stackUrn;
    if (level) results.push(result(diagnostic, level, diagnostic.message, urn, "analyzeStack"));
  }

  return {
    pack: { name: info.name, version: info.version, displayName: info.displayName },
    policies: info.policies,
    config,
    results,
    remediatedInputs,
  };
}

/**
 * Resources whose `Remediate`/`Analyze` calls are in flight at once. Each resource's calls stay in
 * order; results are reported in registration order whatever order the answers come in.
 */
export const ANALYZE_CALLS_IN_FLIGHT = 16;

/**
 * Maps `items` through `work` with at most `limit` calls pending, returning the results in the
 * items' order. When calls fail, every call already started is awaited, then the failure of the
 * earliest item is thrown, so the error does not depend on timing.
 */
export async function inOrder<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  const failures = new Map<number, unknown>();
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length && failures.size === 0) {
      const index = next++;
      try {
        results[index] = await work(items[index]!);
      } catch (error) {
        failures.set(index, error);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failures.size > 0) throw failures.get(Math.min(...failures.keys()));
  return results;
}

/** Names the resource in a failure of the pack, which often does not. */
async function withResource<T>(resource: RecordedResource, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof PolicyPackError) {
      throw new PolicyPackError(`${error.message}\n  (while checking ${resource.type} ${resource.name}, ${resource.urn})`);
    }
    throw error;
  }
}

/** "remediate" that still fails is mandatory; "disabled" is not reported. */
function reportedLevel(level: EnforcementLevel): "mandatory" | "advisory" | undefined {
  if (level === "disabled") return undefined;
  return level === "advisory" ? "advisory" : "mandatory";
}

export function rootStackUrn(project: string, stack: string): string {
  return `urn:pulumi:${stack}::${project}::pulumi:pulumi:Stack::${project}-${stack}`;
}

function providerOf(
  resource: RecordedResource,
  byUrn: Map<string, RecordedResource>,
): { provider?: AnalyzerProviderResource } {
  if (!resource.provider) return {};
  const separator = resource.provider.lastIndexOf("::");
  const urn = separator > 0 ? resource.provider.slice(0, separator) : resource.provider;
  const provider = byUrn.get(urn);
  if (!provider) return {};
  return { provider: { urn: provider.urn, type: provider.type, name: provider.name, properties: engineProperties(provider.inputs) } };
}

/**
 * Azure, not the program, knows the state of a resource read with `Resource.get`: every output the
 * program did not give stays unknown, in either phase, so no rule mistakes it for an empty value.
 */
function readState(resource: RecordedResource): Record<string, WireValue> {
  const unknowns = Object.fromEntries((resource.declaredOutputs ?? []).map((name) => [name, UNKNOWN]));
  return { ...unknowns, ...resource.outputs };
}

/**
 * In preview the engine's outputs of a resource to create are its inputs plus unknowns; the
 * fakes return the inputs as recorded. A remediation changed the inputs the provider would see,
 * so the outputs follow the remediated inputs.
 */
function outputsAfterRemediation(
  resource: RecordedResource,
  remediated: Record<string, WireValue> | undefined,
): Record<string, WireValue> {
  if (!remediated) return resource.outputs;
  const outputs = Object.fromEntries(Object.entries(resource.outputs).filter(([key]) => !(key in resource.inputs)));
  return { ...outputs, ...remediated };
}
