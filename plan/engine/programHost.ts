/**
 * The language host of the offline plan: runs one Pulumi program in this process, connected to
 * the plan's engine over gRPC exactly as the CLI's Node.js host connects it. Started by
 * `programProcess.ts`, which sends the run settings over IPC and keeps the report to itself.
 *
 * Only a completion message carrying the nonce the plan sent counts as "the program finished":
 * a program that exits, throws or hangs never produces one.
 */
import { createRequire } from "node:module";
import * as path from "node:path";

export interface HostSettings {
  nonce: string;
  monitor: string;
  engine: string;
  project: string;
  stack: string;
  organization?: string;
  dryRun: boolean;
  projectDir: string;
  entryPoint: string;
  /** `<namespace>:<key>` → string or JSON, as the CLI passes config */
  config: Record<string, string>;
  secretKeys: string[];
}

export type HostMessage =
  | { nonce: string; kind: "done" }
  | { nonce: string; kind: "failed"; message: string };

// Kept before the program loads: a program that replaces process.send cannot forge or drop ours.
const sendToPlan = process.send?.bind(process);

function report(message: HostMessage, then: () => void): void {
  if (!sendToPlan) return then();
  sendToPlan(message, undefined, undefined, () => then());
}

process.once("message", (settings: HostSettings) => {
  void run(settings);
});

async function run(settings: HostSettings): Promise<void> {
  const { nonce } = settings;
  const fail = (error: unknown): void =>
    report({ nonce, kind: "failed", message: errorText(error) }, () => process.exit(1));

  Object.assign(process.env, {
    PULUMI_NODEJS_MONITOR: settings.monitor,
    PULUMI_NODEJS_ENGINE: settings.engine,
    PULUMI_NODEJS_PROJECT: settings.project,
    PULUMI_NODEJS_STACK: settings.stack,
    PULUMI_NODEJS_DRY_RUN: String(settings.dryRun),
    PULUMI_NODEJS_PARALLEL: "16",
    PULUMI_NODEJS_ROOT_DIRECTORY: settings.projectDir,
    PULUMI_CONFIG: JSON.stringify(settings.config),
    PULUMI_CONFIG_SECRET_KEYS: JSON.stringify(settings.secretKeys),
    ...(settings.organization ? { PULUMI_NODEJS_ORGANIZATION: settings.organization } : {}),
  });
  process.chdir(settings.projectDir);

  const projectRequire = createRequire(path.join(settings.projectDir, "__plan__.js"));
  let pulumiPath: string;
  try {
    pulumiPath = projectRequire.resolve("@pulumi/pulumi");
  } catch {
    return fail(`cannot resolve @pulumi/pulumi from ${settings.projectDir}: install the project's dependencies`);
  }
  process.on("uncaughtException", fail);
  process.on("unhandledRejection", fail);

  try {
    const pulumi = projectRequire(pulumiPath) as typeof import("@pulumi/pulumi");
    // As the CLI's Node.js host: the module's exports are the stack outputs; an exported
    // function is called (and awaited) and its result is the stack outputs.
    await pulumi.runtime.runInPulumiStack(async () => {
      const exported = projectRequire(settings.entryPoint) as unknown;
      return exported instanceof Function ? await (exported as () => unknown)() : exported;
    });
    await pulumi.runtime.disconnect();
  } catch (error) {
    return fail(error);
  }
  report({ nonce, kind: "done" }, () => process.exit(0));
}

function errorText(error: unknown): string {
  if (typeof error === "string") return error;
  if (error instanceof Error) {
    const named = error.name && error.name !== "Error" && !error.message.startsWith(error.name);
    return named ? `${error.name}: ${error.message}` : error.message || error.name;
  }
  return String(error);
}
