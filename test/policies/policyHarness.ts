// Runs policies the way @pulumi/policy's analyzer server does (server.js, v1.21): props as the
// deserializer leaves them (plain JSON, unknowns as sentinels) wrapped in `unknownCheckingProxy`,
// `notApplicable` throwing an error the runner catches, `getConfig` without `enforcementLevel`, and stack
// resources whose parent and dependencies are resolved to the other resource objects.
import { readFileSync } from "node:fs";
import * as path from "node:path";
import type {
  PolicyResource,
  PolicyResourceOptions,
  ReportViolation,
  ResourceValidation,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  StackValidationArgs,
  StackValidationPolicy,
} from "@pulumi/policy";
import * as policyProxy from "@pulumi/policy/proxy";

// proxy.d.ts declares nothing; these are the runtime exports the server itself uses.
interface ProxyModule {
  unknownCheckingProxy<T extends object>(toProxy: T): T;
  UnknownValueError: abstract new (...args: never[]) => Error;
  unknownBooleanValue: string;
  unknownNumberValue: string;
  unknownStringValue: string;
  unknownArrayValue: string;
  unknownObjectValue: string;
}
const proxy = policyProxy as unknown as ProxyModule;

/** The sentinels the server's deserializer puts where a value is unknown during preview. */
export const unknown = {
  string: proxy.unknownStringValue,
  boolean: proxy.unknownBooleanValue,
  number: proxy.unknownNumberValue,
  array: proxy.unknownArrayValue,
  object: proxy.unknownObjectValue,
} as const;

const pack = JSON.parse(readFileSync(path.join(__dirname, "../../policies/package.json"), "utf8")) as { name: string; version: string };

/** server.js's private NotApplicableError, reproduced: `notApplicable` throws it and the runner catches it. */
class NotApplicableError extends Error {
  constructor(readonly reason?: string) {
    super(reason ?? "Policy does not apply");
  }
}

function throwNotApplicable(reason?: string): never {
  throw new NotApplicableError(reason);
}

export interface Violation {
  readonly message: string;
  readonly urn: string | undefined;
}

export interface PolicyRun {
  readonly violations: Violation[];
  /** Set when the policy called `notApplicable`. */
  readonly notApplicable?: { readonly reason: string | undefined };
  /** What the server reports (as an advisory) when the policy throws UnknownValueError. */
  readonly previewAdvisory?: string;
}

export interface ResourceFixture {
  readonly type: string;
  /** Logical name; defaults to "subject". */
  readonly name?: string;
  /** Inputs as the engine sends them: plain JSON, with `unknown.*` sentinels for unknown values. */
  readonly props: Record<string, unknown>;
}

export interface StackResourceFixture {
  readonly type: string;
  readonly name: string;
  /** Outputs as the engine sends them: plain JSON, with `unknown.*` sentinels for unknown values. */
  readonly props: Record<string, unknown>;
  /** Names of other fixtures in the same stack. */
  readonly parent?: string;
  readonly dependencies?: readonly string[];
  readonly propertyDependencies?: Readonly<Record<string, readonly string[]>>;
}

export interface RunOptions {
  /** The policy's config as `--policy-pack-config` gives it (enforcementLevel is stripped, as the server does). */
  readonly config?: Record<string, unknown>;
}

export function urnOf(type: string, name: string): string {
  return `urn:pulumi:test::aml-webservices::${type}::${name}`;
}

/** What survives the gRPC Struct: JSON values only; undefined properties disappear. */
function onTheWire(props: Record<string, unknown>): Record<string, unknown> {
  return JSON.parse(JSON.stringify(props)) as Record<string, unknown>;
}

function pulumiTypeOf(resourceClass: object): unknown {
  return Reflect.get(resourceClass, "__pulumiType");
}

function configGetter(options: RunOptions): <T extends object>() => T {
  return <T extends object>(): T => {
    const { enforcementLevel: _level, ...properties } = options.config ?? {};
    return properties as T;
  };
}

const noOptions: PolicyResourceOptions = {
  protect: false,
  ignoreChanges: [],
  aliases: [],
  customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
  additionalSecretOutputs: [],
};

function advisoryFor(policyName: string, error: Error): string {
  return `can't run policy '${policyName}' from policy pack '${pack.name}@v${pack.version}' during preview: ${error.message}`;
}

/** Runs a resource policy on one resource, as the server's `analyze` does. */
export async function runResourcePolicy(
  policy: ResourceValidationPolicy,
  resource: ResourceFixture,
  options: RunOptions = {},
): Promise<PolicyRun> {
  const name = resource.name ?? "subject";
  const urn = urnOf(resource.type, name);
  const violations: Violation[] = [];
  let notApplicable: PolicyRun["notApplicable"];
  let previewAdvisory: string | undefined;
  const reportViolation: ReportViolation = (message) => {
    violations.push({ message, urn });
  };
  const validations: ResourceValidation[] =
    policy.validateResource === undefined ? [] : Array.isArray(policy.validateResource) ? policy.validateResource : [policy.validateResource];
  for (const validation of validations) {
    const props = proxy.unknownCheckingProxy(onTheWire(resource.props));
    const args: ResourceValidationArgs = {
      type: resource.type,
      props,
      urn,
      name,
      opts: noOptions,
      stackTags: new Map<string, string>(),
      isType: (resourceClass) => pulumiTypeOf(resourceClass) === resource.type,
      asType: (resourceClass) => (pulumiTypeOf(resourceClass) === resource.type ? (props as never) : undefined),
      getConfig: configGetter(options),
      notApplicable: throwNotApplicable,
    };
    try {
      await Promise.resolve(validation(args, reportViolation));
    } catch (error) {
      if (error instanceof proxy.UnknownValueError) previewAdvisory = advisoryFor(policy.name, error);
      else if (error instanceof NotApplicableError) notApplicable = { reason: error.reason };
      else throw error;
    }
  }
  return { violations, notApplicable, previewAdvisory };
}

/** Builds the stack's PolicyResources the way the server's `analyzeStack` does. */
export function buildStackResources(fixtures: readonly StackResourceFixture[]): PolicyResource[] {
  const byName = new Map<string, StackResourceFixture>();
  for (const fixture of fixtures) {
    if (byName.has(fixture.name)) throw new Error(`duplicate fixture name ${fixture.name}`);
    byName.set(fixture.name, fixture);
  }
  const urnOfName = (name: string): string => {
    const target = byName.get(name);
    if (!target) throw new Error(`fixture refers to unknown resource ${name}`);
    return urnOf(target.type, target.name);
  };
  const intermediates = fixtures.map((fixture) => {
    const props = proxy.unknownCheckingProxy(onTheWire(fixture.props));
    const resource: PolicyResource = {
      type: fixture.type,
      props,
      urn: urnOf(fixture.type, fixture.name),
      name: fixture.name,
      opts: fixture.parent ? { ...noOptions, parent: urnOfName(fixture.parent) } : noOptions,
      dependencies: [],
      propertyDependencies: {},
      isType: (resourceClass) => pulumiTypeOf(resourceClass) === fixture.type,
      asType: (resourceClass) => (pulumiTypeOf(resourceClass) === fixture.type ? (props as never) : undefined),
    };
    return {
      resource,
      parent: fixture.parent === undefined ? undefined : urnOfName(fixture.parent),
      dependencies: (fixture.dependencies ?? []).map(urnOfName),
      propertyDependencies: Object.fromEntries(
        Object.entries(fixture.propertyDependencies ?? {}).map(([key, names]) => [key, names.map(urnOfName)]),
      ),
    };
  });
  const byUrn = new Map(intermediates.map((i) => [i.resource.urn, i.resource]));
  const lookUp = (urns: readonly string[]): PolicyResource[] =>
    urns.map((urn) => byUrn.get(urn)).filter((r): r is PolicyResource => r !== undefined);
  for (const i of intermediates) {
    if (i.parent) i.resource.parent = byUrn.get(i.parent);
    i.resource.dependencies = lookUp(i.dependencies);
    for (const [key, urns] of Object.entries(i.propertyDependencies)) i.resource.propertyDependencies[key] = lookUp(urns);
  }
  return intermediates.map((i) => i.resource);
}

/** Runs a stack policy over the fixtures, as the server's `analyzeStack` does. */
export async function runStackPolicy(
  policy: StackValidationPolicy,
  fixtures: readonly StackResourceFixture[],
  options: RunOptions = {},
): Promise<PolicyRun> {
  const violations: Violation[] = [];
  let notApplicable: PolicyRun["notApplicable"];
  let previewAdvisory: string | undefined;
  const reportViolation: ReportViolation = (message, urn) => {
    violations.push({ message, urn });
  };
  const args: StackValidationArgs = {
    resources: buildStackResources(fixtures),
    stackTags: new Map<string, string>(),
    getConfig: configGetter(options),
    notApplicable: throwNotApplicable,
  };
  try {
    await Promise.resolve(policy.validateStack(args, reportViolation));
  } catch (error) {
    if (error instanceof proxy.UnknownValueError) previewAdvisory = advisoryFor(policy.name, error);
    else if (error instanceof NotApplicableError) notApplicable = { reason: error.reason };
    else throw error;
  }
  return { violations, notApplicable, previewAdvisory };
}
