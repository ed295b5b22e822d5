import type { ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import * as path from "node:path";
import * as grpc from "@grpc/grpc-js";
import { BinaryReader } from "google-protobuf";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import * as analyzerPb from "@pulumi/pulumi/proto/analyzer_pb";
import { AnalyzerClient, AnalyzerService } from "@pulumi/pulumi/proto/analyzer_grpc_pb";
import { encodeAnalyzeRequest, encodeAnalyzeStackRequest } from "./analyzerWire";
import { indent, PolicyPackError, withoutStackFrames } from "./planErrors";
import type { WireValue } from "./wireValues";
import { defaultPackCacheDir, packStartFromEnvironment, spawnPackProcess, takeEarlyPack, type PackStart } from "./packProcess.cjs";

export type { PackStart } from "./packProcess.cjs";

/** The pack's process; a pack that cannot be started (no `@pulumi/pulumi` to start it with) is a `PolicyPackError`. */
function spawnPack(options: Parameters<typeof spawnPackProcess>[0]): ChildProcess {
  try {
    return spawnPackProcess(options);
  } catch (error) {
    throw new PolicyPackError((error as Error).message);
  }
}

export type EnforcementLevel = "advisory" | "mandatory" | "remediate" | "disabled";
export type PolicyType = "resource" | "stack" | "unknown";

export interface PolicyConfigSchema {
  properties: Record<string, Record<string, unknown>>;
  required: string[];
}

export interface PolicyInfo {
  name: string;
  displayName: string;
  description: string;
  enforcementLevel: EnforcementLevel;
  policyType: PolicyType;
  configSchema?: PolicyConfigSchema;
}

export interface PolicyConfigEntry {
  enforcementLevel?: EnforcementLevel;
  properties?: Record<string, unknown>;
}

export interface AnalyzerInfo {
  name: string;
  version: string;
  displayName: string;
  description: string;
  supportsConfig: boolean;
  policies: PolicyInfo[];
  /** config the pack itself supplies (`new PolicyPack(name, args, initialConfig)`) */
  initialConfig: Record<string, PolicyConfigEntry>;
}

export interface AnalyzerResourceOptions {
  protect: boolean;
  parent?: string;
  ignoreChanges?: string[];
  aliases?: string[];
  additionalSecretOutputs?: string[];
  deleteBeforeReplace?: boolean;
}

export interface AnalyzerProviderResource {
  urn: string;
  type: string;
  name: string;
  /** the provider's inputs, wire encoded */
  properties: Record<string, WireValue>;
}

/** One resource as `Analyze` and `Remediate` receive it: its inputs, wire encoded. */
export interface AnalyzerResource {
  urn: string;
  type: string;
  name: string;
  properties: Record<string, WireValue>;
  options: AnalyzerResourceOptions;
  provider?: AnalyzerProviderResource;
}

/** One resource as `AnalyzeStack` receives it: its outputs, wire encoded, with its relations. */
export interface AnalyzerStackResource extends AnalyzerResource {
  parent?: string;
  dependencies: string[];
  propertyDependencies: Record<string, string[]>;
}

export interface AnalyzeDiagnostic {
  policyName: string;
  policyPackName: string;
  policyPackVersion: string;
  description: string;
  message: string;
  enforcementLevel: EnforcementLevel;
  urn?: string;
}

export interface Remediation {
  policyName: string;
  policyPackName: string;
  policyPackVersion: string;
  description: string;
  /** the remediated properties, wire encoded; absent when the remediation only reports a diagnostic */
  properties?: Record<string, WireValue>;
  diagnostic?: string;
}

export interface StackConfiguration {
  stack: string;
  project: string;
  organization?: string;
  dryRun: boolean;
  config: Record<string, string>;
  secretKeys: string[];
  tags: Record<string, string>;
}

export interface AnalyzerOptions {
  /** the policy pack directory (PulumiPolicy.yaml, package.json, index.ts) */
  packDir: string;
  /** how long the pack may take to print its port; default 60 s or `AML_PLAN_PACK_START_TIMEOUT_MS` */
  startTimeoutMs?: number;
  /** deadline for each RPC; default 120 s */
  callTimeoutMs?: number;
  /** called with the pack process's pid as soon as it is spawned */
  onSpawn?: (pid: number) => void;
  /**
   * `compiled` (default): the pack type-checked and compiled once per content, then started from
   * the cache (`compiledPackHost.cjs`); `run-policy-pack`: exactly as the CLI starts it, ts-node
   * type-checking the pack on every start. `AML_PLAN_PACK_START=run-policy-pack` selects the latter.
   */
  start?: PackStart;
  /** where compiled packs are cached; default `AML_PLAN_CACHE_DIR` or this package's `node_modules/.cache` */
  cacheDir?: string;
}

const DEFAULT_START_TIMEOUT_MS = 60_000;
const DEFAULT_CALL_TIMEOUT_MS = 120_000;
const KILL_GRACE_MS = 3_000;

const LEVEL_FROM_PROTO: Record<number, EnforcementLevel> = {
  [analyzerPb.EnforcementLevel.ADVISORY]: "advisory",
  [analyzerPb.EnforcementLevel.MANDATORY]: "mandatory",
  [analyzerPb.EnforcementLevel.REMEDIATE]: "remediate",
  [analyzerPb.EnforcementLevel.DISABLED]: "disabled",
};

const LEVEL_TO_PROTO: Record<EnforcementLevel, analyzerPb.EnforcementLevel> = {
  advisory: analyzerPb.EnforcementLevel.ADVISORY,
  mandatory: analyzerPb.EnforcementLevel.MANDATORY,
  remediate: analyzerPb.EnforcementLevel.REMEDIATE,
  disabled: analyzerPb.EnforcementLevel.DISABLED,
};

/**
 * A policy pack running as the Pulumi CLI runs it: `node <@pulumi/pulumi>/cmd/run-policy-pack
 * <engine address> .` in the pack's directory, reached over gRPC at the port it prints. By default
 * the TypeScript is type-checked and compiled once per content of the pack instead of at every
 * start (see `AnalyzerOptions.start`); the pack runs through the same `run-policy-pack` code.
 *
 * Always pair `start()` with `shutdown()` in a `finally`: the pack's gRPC server keeps its process
 * alive until it is killed. As a last resort the process is also killed when this process exits.
 */
export class PolicyAnalyzer {
  readonly packDir: string;
  private child: ChildProcess | undefined;
  private client: AnalyzerClient | undefined;
  private exited: Promise<void> | undefined;
  private ending: Promise<void> | undefined;
  private exitCode: number | null | undefined;
  private exitSignal: NodeJS.Signals | null | undefined;
  /** whether the pack printed its port: a pack that never did has nothing to finish */
  private served = false;
  private stdoutLines: string[] = [];
  private stderrText = "";
  private readonly killOnExit = (): void => {
    if (this.child && this.exitCode === undefined) this.child.kill("SIGKILL");
  };

  constructor(private readonly options: AnalyzerOptions) {
    this.packDir = path.resolve(options.packDir);
  }

  /** the pack process's id once spawned */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** what the pack wrote to stderr so far */
  get stderr(): string {
    return this.stderrText;
  }

  /** lines the pack wrote to stdout besides its port (e.g. console.log in policies) */
  get output(): string[] {
    return [...this.stdoutLines];
  }

  /** Spawns the pack and connects to it. On failure the process is already shut down. */
  async start(): Promise<void> {
    if (this.child) throw new Error("PolicyAnalyzer.start: already started");
    if (!existsSync(path.join(this.packDir, "PulumiPolicy.yaml"))) {
      throw new PolicyPackError(`no PulumiPolicy.yaml in ${this.packDir}: --policy-pack must name a policy pack directory`);
    }
    try {
      const port = await new Promise<number>((resolve, reject) => {
        const options = {
          packDir: this.packDir,
          start: this.options.start ?? packStartFromEnvironment(),
          cacheDir: this.options.cacheDir ?? defaultPackCacheDir(),
        };
        const child = takeEarlyPack(options) ?? spawnPack(options);
        this.child = child;
        process.on("exit", this.killOnExit);
        this.exited = new Promise<void>((done) => {
          child.once("exit", (code, signal) => {
            this.exitCode = code;
            this.exitSignal = signal;
            done();
          });
        });
        if (child.pid !== undefined) this.options.onSpawn?.(child.pid);

        const timeoutMs = this.options.startTimeoutMs ?? envNumber("AML_PLAN_PACK_START_TIMEOUT_MS") ?? DEFAULT_START_TIMEOUT_MS;
        const timer = setTimeout(
          () => reject(this.packError(`the policy pack in ${this.packDir} did not print its port within ${timeoutMs / 1000} s`)),
          timeoutMs,
        );
        let pending = "";
        let portSeen = false;
        child.stdout!.setEncoding("utf8");
        child.stdout!.on("data", (chunk: string) => {
          pending += chunk;
          let newline: number;
          while ((newline = pending.indexOf("\n")) >= 0) {
            const line = pending.slice(0, newline).trim();
            pending = pending.slice(newline + 1);
            if (!portSeen && /^\d+$/.test(line)) {
              portSeen = true;
              this.served = true;
              clearTimeout(timer);
              resolve(Number(line));
            } else if (line !== "") {
              this.stdoutLines.push(line);
            }
          }
        });
        child.stderr!.setEncoding("utf8");
        child.stderr!.on("data", (chunk: string) => {
          this.stderrText += chunk;
        });
        child.once("error", (error) => {
          clearTimeout(timer);
          reject(new PolicyPackError(`cannot start the policy pack in ${this.packDir}: ${error.message}`));
        });
        child.once("exit", (code, signal) => {
          clearTimeout(timer);
          if (!portSeen) {
            // let stderr drain before reporting it
            setImmediate(() =>
              reject(
                this.packError(
                  `the policy pack in ${this.packDir} failed to start (${signal ? `signal ${signal}` : `exit code ${code}`})`,
                ),
              ),
            );
          }
        });
      });
      this.client = new AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), {
        "grpc.max_receive_message_length": 400 * 1024 * 1024,
        "grpc.max_send_message_length": 400 * 1024 * 1024,
      });
    } catch (error) {
      await this.shutdown();
      throw error;
    }
  }

  async getAnalyzerInfo(): Promise<AnalyzerInfo> {
    const info = await this.call<Empty, analyzerPb.AnalyzerInfo>("getAnalyzerInfo", new Empty());
    const initialConfig: Record<string, PolicyConfigEntry> = {};
    info.getInitialconfigMap().forEach((entry, key) => {
      initialConfig[key] = configEntryFromProto(entry);
    });
    return {
      name: info.getName(),
      version: info.getVersion(),
      displayName: info.getDisplayname(),
      description: info.getDescription(),
      supportsConfig: info.getSupportsconfig(),
      policies: info.getPoliciesList().map(policyFromProto),
      initialConfig,
    };
  }

  /** `Configure`: every entry gets `properties` (the SDK reads them unconditionally). */
  async configure(config: Record<string, PolicyConfigEntry>): Promise<void> {
    const request = new analyzerPb.ConfigureAnalyzerRequest();
    const map = request.getPolicyconfigMap();
    for (const [policy, entry] of Object.entries(config)) {
      const message = new analyzerPb.PolicyConfig();
      message.setEnforcementlevel(LEVEL_TO_PROTO[entry.enforcementLevel ?? "advisory"]);
      message.setProperties(Struct.fromJavaScript((entry.properties ?? {}) as never));
      map.set(policy, message);
    }
    await this.call("configure", request);
  }

  /** `ConfigureStack`, as the CLI sends it after loading a pack; packs that predate it are fine. */
  async configureStack(configuration: StackConfiguration): Promise<void> {
    const request = new analyzerPb.AnalyzerStackConfigureRequest();
    request.setStack(configuration.stack);
    request.setProject(configuration.project);
    request.setOrganization(configuration.organization ?? "");
    request.setDryRun(configuration.dryRun);
    request.setConfigSecretKeysList(configuration.secretKeys);
    for (const [key, value] of Object.entries(configuration.config)) request.getConfigMap().set(key, value);
    for (const [key, value] of Object.entries(configuration.tags)) request.getTagsMap().set(key, value);
    try {
      await this.call("configureStack", request);
    } catch (error) {
      if ((error as { grpcCode?: number }).grpcCode !== grpc.status.UNIMPLEMENTED) throw error;
    }
  }

  async remediate(resource: AnalyzerResource): Promise<Remediation[]> {
    const response = await this.callEncoded("remediate", encodeAnalyzeRequest(resource), (bytes) =>
      analyzerPb.RemediateResponse.deserializeBinary(bytes),
    );
    return response.getRemediationsList().map((r) => {
      const properties = r.getProperties()?.toJavaScript() as Record<string, WireValue> | undefined;
      const diagnostic = r.getDiagnostic();
      return {
        policyName: r.getPolicyname(),
        policyPackName: r.getPolicypackname(),
        policyPackVersion: r.getPolicypackversion(),
        description: r.getDescription(),
        ...(r.hasProperties() && properties ? { properties } : {}),
        ...(diagnostic ? { diagnostic } : {}),
      };
    });
  }

  async analyze(resource: AnalyzerResource): Promise<AnalyzeDiagnostic[]> {
    const diagnostics = await this.callEncoded("analyze", encodeAnalyzeRequest(resource), diagnosticsOfResponse);
    return diagnostics.map(diagnosticFromProto);
  }

  async analyzeStack(resources: Iterable<AnalyzerStackResource>): Promise<AnalyzeDiagnostic[]> {
    const diagnostics = await this.callEncoded("analyzeStack", encodeAnalyzeStackRequest(resources), diagnosticsOfResponse);
    return diagnostics.map(diagnosticFromProto);
  }

  /**
   * Closes the connection, kills the pack process and waits until it has exited. Safe to call again,
   * at once too: a pack that served gets one SIGTERM (a second one would end it before its exit
   * handler has written its code cache). A pack that never served is given up on: SIGKILL at once,
   * since one still loading or type-checking would not answer SIGTERM before it is done.
   */
  shutdown(): Promise<void> {
    return (this.ending ??= this.end());
  }

  private async end(): Promise<void> {
    this.client?.close();
    this.client = undefined;
    const child = this.child;
    if (child && this.exitCode === undefined) {
      if (!this.served || !(await this.endsOnSigterm(child))) {
        child.kill("SIGKILL");
        await this.exited;
      }
    }
    process.off("exit", this.killOnExit);
  }

  /** Sends SIGTERM; whether the pack then ends within the grace period. */
  private endsOnSigterm(child: ChildProcess): Promise<boolean> {
    child.kill("SIGTERM");
    return Promise.race([this.exited!.then(() => true), new Promise<boolean>((resolve) => setTimeout(() => resolve(false), KILL_GRACE_MS).unref())]);
  }

  private call<Req, Res>(method: keyof AnalyzerClient & string, request: Req): Promise<Res> {
    return this.invoke<Res>(method, (client, metadata, options, callback) => {
      const fn = client[method] as unknown as (
        req: Req,
        metadata: grpc.Metadata,
        options: Partial<grpc.CallOptions>,
        cb: (error: grpc.ServiceError | null, response: Res) => void,
      ) => void;
      fn.call(client, request, metadata, options, callback);
    });
  }

  /** A call whose request is already in wire format (see analyzerWire.ts), its response read by `read`. */
  private callEncoded<Res>(method: "analyze" | "analyzeStack" | "remediate", request: Buffer, read: (bytes: Buffer) => Res): Promise<Res> {
    const methodPath = AnalyzerService[method].path;
    return this.invoke<Res>(method, (client, metadata, options, callback) => {
      client.makeUnaryRequest(methodPath, (bytes: Buffer) => bytes, read, request, metadata, options, callback);
    });
  }

  private invoke<Res>(
    method: string,
    start: (
      client: AnalyzerClient,
      metadata: grpc.Metadata,
      options: Partial<grpc.CallOptions>,
      callback: (error: grpc.ServiceError | null, response?: Res) => void,
    ) => void,
  ): Promise<Res> {
    const client = this.client;
    if (!client) return Promise.reject(new PolicyPackError("the policy pack is not running"));
    const deadline = Date.now() + (this.options.callTimeoutMs ?? DEFAULT_CALL_TIMEOUT_MS);
    return new Promise<Res>((resolve, reject) => {
      start(client, new grpc.Metadata(), { deadline }, (error, response) => {
        if (!error) return resolve(response as Res);
        const exited = this.exitCode !== undefined;
        const detail = exited
          ? `the policy pack exited (${this.exitSignal ? `signal ${this.exitSignal}` : `exit code ${this.exitCode}`})`
          : withoutStackFrames(error.details || error.message);
        const failure = this.packError(`the policy pack in ${this.packDir} failed in ${method}: ${detail}`, exited);
        Object.assign(failure, { grpcCode: error.code });
        reject(failure);
      });
    });
  }

  private packError(message: string, withStderr = true): PolicyPackError {
    const stderr = withStderr ? withoutStackFrames(this.stderrText) : "";
    return new PolicyPackError(stderr ? `${message}\n${indent(stderr)}` : message);
  }
}

/**
 * The diagnostics of an `AnalyzeResponse`, read as google-protobuf reads them. The policies it lists as
 * not applicable are skipped unread: the plan does not report them, and they are most of the response.
 */
function diagnosticsOfResponse(bytes: Buffer): analyzerPb.AnalyzeDiagnostic[] {
  const reader = new BinaryReader(bytes);
  const diagnostics: analyzerPb.AnalyzeDiagnostic[] = [];
  while (reader.nextField() && !reader.isEndGroup()) {
    if (reader.getFieldNumber() !== 2) {
      reader.skipField();
      continue;
    }
    const diagnostic = new analyzerPb.AnalyzeDiagnostic();
    reader.readMessage(diagnostic, analyzerPb.AnalyzeDiagnostic.deserializeBinaryFromReader);
    diagnostics.push(diagnostic);
  }
  return diagnostics;
}

function policyFromProto(policy: analyzerPb.PolicyInfo): PolicyInfo {
  const schema = policy.getConfigschema();
  const type = policy.getPolicyType();
  return {
    name: policy.getName(),
    displayName: policy.getDisplayname(),
    description: policy.getDescription(),
    enforcementLevel: LEVEL_FROM_PROTO[policy.getEnforcementlevel()] ?? "advisory",
    policyType:
      type === analyzerPb.PolicyType.POLICY_TYPE_RESOURCE ? "resource" : type === analyzerPb.PolicyType.POLICY_TYPE_STACK ? "stack" : "unknown",
    ...(schema
      ? {
          configSchema: {
            properties: (schema.getProperties()?.toJavaScript() ?? {}) as Record<string, Record<string, unknown>>,
            required: schema.getRequiredList(),
          },
        }
      : {}),
  };
}

function configEntryFromProto(entry: analyzerPb.PolicyConfig): PolicyConfigEntry {
  const properties = entry.getProperties()?.toJavaScript();
  const level = LEVEL_FROM_PROTO[entry.getEnforcementlevel()] ?? "advisory";
  // proto3 cannot tell "advisory" from "not set": a properties-only initial config keeps the policy's level
  const levelIsSet = !(level === "advisory" && properties !== undefined);
  return {
    ...(levelIsSet ? { enforcementLevel: level } : {}),
    ...(properties ? { properties: properties as Record<string, unknown> } : {}),
  };
}

function diagnosticFromProto(d: analyzerPb.AnalyzeDiagnostic): AnalyzeDiagnostic {
  const urn = d.getUrn();
  return {
    policyName: d.getPolicyname(),
    policyPackName: d.getPolicypackname(),
    policyPackVersion: d.getPolicypackversion(),
    description: d.getDescription(),
    message: d.getMessage(),
    enforcementLevel: LEVEL_FROM_PROTO[d.getEnforcementlevel()] ?? "advisory",
    ...(urn ? { urn } : {}),
  };
}

function envNumber(name: string): number | undefined {
  const value = Number(process.env[name]);
  return Number.isFinite(value) && value > 0 ? value : undefined;
}

