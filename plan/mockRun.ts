import type { RecordedResource } from "./recordedResource";
import { AzureFakes } from "./azureFakes";
import { recordRegistrations } from "./recorder";

export type PulumiModule = typeof import("@pulumi/pulumi");

export interface MockRunOptions {
  project: string;
  stack: string;
  /** preview semantics: computed outputs stay unknown */
  preview: boolean;
  /** fully qualified config (`<namespace>:<key>`), values as the CLI passes them: strings, JSON for objects */
  config?: Record<string, string>;
  secretKeys?: string[];
  fakes?: AzureFakes;
  /** the `@pulumi/pulumi` instance the program uses; a foreign project may bring its own */
  pulumi?: PulumiModule;
}

export interface LoggedMessage {
  severity: "info" | "warning" | "error";
  message: string;
}

export interface MockRunResult {
  resources: RecordedResource[];
  stackOutputs: Record<string, unknown>;
  messages: LoggedMessage[];
  /** errors that stopped the program: thrown by it, or failed registrations and applies */
  errors: Error[];
  fakes: AzureFakes;
}

/**
 * Runs `program` inside a stack under Pulumi's mock runtime and records every registration.
 * The program must create its resources only after this has set the mocks: import it inside `program`.
 */
export async function runUnderMocks(
  program: () => Promise<unknown> | unknown,
  options: MockRunOptions,
): Promise<MockRunResult> {
  const pulumi = options.pulumi ?? (await import("@pulumi/pulumi"));
  const fakes = options.fakes ?? new AzureFakes({ preview: options.preview });
  await pulumi.runtime.setMocks(fakes, options.project, options.stack, options.preview);
  pulumi.runtime.setAllConfig(options.config ?? {}, options.secretKeys ?? []);
  const resources = recordRegistrations(pulumi);
  const messages: LoggedMessage[] = [];
  const errors: Error[] = [];
  const restoreLog = captureLog(pulumi, messages);
  let failed: () => void = () => undefined;
  const firstFailure = new Promise<void>((resolve) => (failed = resolve));
  const onRejection = (reason: unknown): void => {
    if (!errors.includes(reason as Error)) errors.push(asError(reason));
    failed();
  };
  process.on("unhandledRejection", onRejection);
  let stackOutputs: Record<string, unknown> = {};
  try {
    try {
      const outputs = await pulumi.runtime.runInPulumiStack(async () => program());
      stackOutputs = (outputs ?? {}) as Record<string, unknown>;
    } catch (error) {
      errors.push(asError(error));
    }
    // A failed input leaves the resources that wait on it pending forever; like the engine,
    // stop at the first failure instead of waiting for them.
    await Promise.race([
      pulumi.runtime.disconnect().catch((error: unknown) => {
        if (!errors.includes(error as Error)) errors.push(asError(error));
      }),
      firstFailure.then(() => new Promise((resolve) => setTimeout(resolve, 50))),
    ]);
    // Rejections surface on the next turns of the event loop.
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setTimeout(resolve, 0));
  } finally {
    process.off("unhandledRejection", onRejection);
    restoreLog();
  }
  return { resources, stackOutputs, messages, errors: dedupe(errors), fakes };
}

function captureLog(pulumi: PulumiModule, messages: LoggedMessage[]): () => void {
  const log = pulumi.log as { info: typeof pulumi.log.info; warn: typeof pulumi.log.warn; error: typeof pulumi.log.error };
  const original = { info: log.info, warn: log.warn, error: log.error };
  const capture = (severity: LoggedMessage["severity"]) => (message: string) => {
    messages.push({ severity, message });
    return Promise.resolve();
  };
  log.info = capture("info");
  log.warn = capture("warning");
  log.error = capture("error");
  return () => Object.assign(log, original);
}

function asError(reason: unknown): Error {
  return reason instanceof Error ? reason : new Error(String(reason));
}

function dedupe(errors: Error[]): Error[] {
  const seen = new Set<string>();
  return errors.filter((error) => {
    const key = error.message;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
