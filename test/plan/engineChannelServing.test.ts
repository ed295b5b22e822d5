// The engine channel as the SDK and a program meet it: the SDK's calls on it fail as they fail over
// gRPC (the same error, down to the message, for the same call to the same engine), and fail at once
// once the channel has closed; a call in flight holds the event loop as a gRPC call does; an SDK
// laid out otherwise keeps its calls on gRPC; calls served together still register a URN once; a
// registration still waiting when its run ends is not recorded; a program that writes on it what is
// not a call fails its run at once, and its process serves no other run.
import { EventEmitter } from "node:events";
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { createRequire } from "node:module";
import * as path from "node:path";
import * as grpc from "@grpc/grpc-js";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { answerFrame, FrameReader } from "../../plan/engine/engineChannel";
import { EngineChannelClients } from "../../plan/engine/engineChannelClients";
import { PlanEngine } from "../../plan/engine/planEngine";
import { ProgramSession } from "../../plan/engine/programProcess";
import { runProgram } from "../../plan/programRun";
import { readPulumiProject, readStackConfig } from "../../plan/pulumiProject";
import { FOREIGN_STACK, foreignProject } from "./foreignProjects";
import { removedAfterAll, ROOT } from "./helpers";

type Callback = (error: (Error & { code?: number; details?: string; metadata?: unknown }) | null, response?: unknown) => void;
interface MonitorClient {
  registerResourceOutputs(request: unknown, callback: Callback): unknown;
  supportsFeature(request: unknown, callback: Callback): unknown;
  close(): void;
}

const sdkPath = createRequire(path.join(ROOT, "index.ts")).resolve("@pulumi/pulumi");
const sdkRequire = createRequire(sdkPath);
const { ResourceMonitorClient } = sdkRequire("./proto/resource_grpc_pb.js") as {
  ResourceMonitorClient: { prototype: Record<string, unknown> } & (new (address: string, credentials: grpc.ChannelCredentials) => MonitorClient);
};
const { EngineClient } = sdkRequire("./proto/engine_grpc_pb.js") as { EngineClient: { prototype: Record<string, unknown> } };
const resourcePb = sdkRequire("./proto/resource_pb.js") as {
  RegisterResourceRequest: new () => { setType(type: string): void; setName(name: string): void; setCustom(custom: boolean): void; serializeBinary(): Uint8Array };
  RegisterResourceOutputsRequest: new () => { setUrn(urn: string): void };
  SupportsFeatureRequest: new () => { setId(id: string): void };
};

/** The channel's far end in this process: every call it carries is served by `engine`, or by nobody. */
class ServedChannel extends EventEmitter {
  private readonly reader = new FrameReader();
  constructor(private readonly engine: PlanEngine | undefined) {
    super();
  }
  write(bytes: Buffer): boolean {
    for (const frame of this.reader.push(bytes)) {
      if (frame.kind !== "call" || !this.engine) continue;
      void this.engine.serveCall(frame.path, frame.request).then((served) => this.emit("data", answerFrame(frame.callId, served)));
    }
    return true;
  }
}

const call = (client: MonitorClient, method: "registerResourceOutputs" | "supportsFeature", request: unknown): Promise<{ error: Parameters<Callback>[0]; response?: unknown }> =>
  new Promise((resolve) => client[method](request, (error, response) => resolve({ error, response })));

/** The error's own parts, as the SDK reads them. */
const errorParts = (error: Parameters<Callback>[0]): unknown =>
  error && { message: error.message, code: error.code, details: error.details, metadata: error.metadata instanceof grpc.Metadata };

describe("the SDK's calls on the engine channel", () => {
  // install() changes the SDK's clients in this process, which other test files share
  const originals = [ResourceMonitorClient, EngineClient].map((client) => [client.prototype, { ...client.prototype }] as const);
  const engine = new PlanEngine({ project: "p", stack: "s", fakes: { newResource: async () => ({ id: "", state: {} }), call: async () => ({}) }, projectDir: ROOT });
  let address = "";
  beforeAll(async () => {
    address = await engine.start();
  });
  afterEach(() => originals.forEach(([prototype, methods]) => Object.assign(prototype, methods)));
  afterAll(() => engine.stop());

  it("fail with the error grpc-js gives for the same call to the same engine", async () => {
    const request = new resourcePb.RegisterResourceOutputsRequest();
    request.setUrn("urn:pulumi:s::p::t::unknown");
    const overGrpc = new ResourceMonitorClient(address, grpc.credentials.createInsecure());
    const grpcError = (await call(overGrpc, "registerResourceOutputs", request)).error;
    overGrpc.close();
    expect(grpcError?.code).toBe(grpc.status.INVALID_ARGUMENT);

    expect(new EngineChannelClients(new ServedChannel(engine)).install(sdkPath)).toBe(true);
    const overChannel = new ResourceMonitorClient(address, grpc.credentials.createInsecure());
    expect(errorParts((await call(overChannel, "registerResourceOutputs", request)).error)).toEqual(errorParts(grpcError));
    overChannel.close();
  });

  it("hold the event loop while a call waits for its answer, as a gRPC call holds its socket", async () => {
    const holds: string[] = [];
    class HeldChannel extends ServedChannel {
      ref(): void {
        holds.push("ref");
      }
      unref(): void {
        holds.push("unref");
      }
    }
    expect(new EngineChannelClients(new HeldChannel(engine)).install(sdkPath)).toBe(true);
    const client = new ResourceMonitorClient(address, grpc.credentials.createInsecure());
    const request = new resourcePb.SupportsFeatureRequest();
    request.setId("secrets");
    const calls = [call(client, "supportsFeature", request), call(client, "supportsFeature", request)];
    // two calls in flight, one hold
    expect(holds).toEqual(["ref"]);
    for (const { error } of await Promise.all(calls)) expect(error).toBeNull();
    expect(holds).toEqual(["ref", "unref"]);
    client.close();
  });

  it("fail as unavailable once the channel has closed, those made after it included", async () => {
    const channel = new ServedChannel(undefined);
    expect(new EngineChannelClients(channel).install(sdkPath)).toBe(true);
    const client = new ResourceMonitorClient(address, grpc.credentials.createInsecure());
    const request = new resourcePb.SupportsFeatureRequest();
    request.setId("secrets");
    const pending = call(client, "supportsFeature", request);
    channel.emit("close");
    const afterClose = call(client, "supportsFeature", request);
    const inTime = <T>(promise: Promise<T>): Promise<T | "no answer"> => Promise.race([promise, new Promise<"no answer">((resolve) => setTimeout(() => resolve("no answer"), 2000))]);
    for (const answer of [await inTime(pending), await inTime(afterClose)]) {
      expect(answer !== "no answer" && answer.error?.code).toBe(grpc.status.UNAVAILABLE);
    }
    client.close();
  });
});

describe("an SDK laid out otherwise", () => {
  const temp = removedAfterAll();
  /** An SDK directory with `files` (path: source) beside its main file, and the plan's `@grpc/grpc-js` beside it. */
  function sdkWith(files: Record<string, string>): string {
    const dir = temp(mkdtempSync(path.join(tmpdir(), "aml-foreign-sdk-")));
    mkdirSync(path.join(dir, "proto"));
    mkdirSync(path.join(dir, "node_modules", "@grpc"), { recursive: true });
    symlinkSync(path.join(ROOT, "node_modules", "@grpc", "grpc-js"), path.join(dir, "node_modules", "@grpc", "grpc-js"));
    for (const [file, source] of Object.entries({ "index.js": "", ...files })) writeFileSync(path.join(dir, file), source);
    return path.join(dir, "index.js");
  }
  const generatedClient = `{ service: { supportsFeature: { path: "/pulumirpc.ResourceMonitor/SupportsFeature", requestStream: false, responseStream: false } }, prototype: { supportsFeature() { return "over gRPC"; } } }`;

  it.each([
    ["without its generated proto files", {}],
    ["whose engine client has no service definitions", { "proto/resource_grpc_pb.js": `exports.ResourceMonitorClient = ${generatedClient};`, "proto/engine_grpc_pb.js": "exports.EngineClient = class {};", "proto/engine_pb.js": "exports.LogSeverity = { DEBUG: 0 };" }],
    ["without the engine's log severities", { "proto/resource_grpc_pb.js": `exports.ResourceMonitorClient = ${generatedClient};`, "proto/engine_grpc_pb.js": `exports.EngineClient = ${generatedClient};`, "proto/engine_pb.js": "" }],
  ])("%s keeps its calls on gRPC: nothing is installed, nothing changed", (_, files) => {
    const sdk = sdkWith(files);
    expect(new EngineChannelClients(new ServedChannel(undefined)).install(sdk)).toBe(false);
    const foreignRequire = createRequire(sdk);
    for (const file of Object.keys(files).filter((name) => name.endsWith("_grpc_pb.js"))) {
      for (const client of Object.values(foreignRequire(`./${file}`) as Record<string, { prototype: Record<string, unknown> }>)) {
        expect(Object.values(client.prototype).map((method) => (typeof method === "function" ? method.name : method))).not.toContain("unaryCall");
      }
    }
  });
});

describe("calls that come in together", () => {
  it("register a URN once: the second registration is refused while the first waits on the fakes", async () => {
    const engine = new PlanEngine({ project: "p", stack: "s", fakes: { newResource: async () => ({ id: "", state: {} }), call: async () => ({}) }, projectDir: ROOT });
    await engine.start();
    try {
      const request = new resourcePb.RegisterResourceRequest();
      request.setType("azure-native:resources:ResourceGroup");
      request.setName("rg");
      request.setCustom(true);
      const bytes = request.serializeBinary();
      // as the channel serves the calls of one read: both started before either is answered
      const served = await Promise.all([1, 2].map(() => engine.serveCall("/pulumirpc.ResourceMonitor/RegisterResource", bytes)));
      expect(served.map((result) => ("error" in result ? result.error : "registered"))).toEqual([
        "registered",
        { code: grpc.status.INVALID_ARGUMENT, details: "Duplicate resource URN 'urn:pulumi:s::p::azure-native:resources:ResourceGroup::rg'; try giving it a unique name" },
      ]);
      expect(engine.resources).toHaveLength(1);
    } finally {
      engine.stop();
    }
  });
});

describe("a registration still waiting when its run ends", () => {
  it("is not recorded: the resources the run returned stay as they were checked", async () => {
    let fakeAnswers = (): void => undefined;
    const answered = new Promise<void>((resolve) => (fakeAnswers = resolve));
    const engine = new PlanEngine({ project: "p", stack: "s", fakes: { newResource: async () => (await answered, { id: "", state: {} }), call: async () => ({}) }, projectDir: ROOT });
    await engine.start();
    const request = new resourcePb.RegisterResourceRequest();
    request.setType("azure-native:resources:ResourceGroup");
    request.setName("late");
    request.setCustom(true);
    const served = engine.serveCall("/pulumirpc.ResourceMonitor/RegisterResource", request.serializeBinary());
    const returned = engine.resources;
    engine.stop();
    fakeAnswers();
    expect(await served).toEqual({ error: { code: grpc.status.UNAVAILABLE, details: "the run ended before urn:pulumi:s::p::azure-native:resources:ResourceGroup::late was recorded" } });
    expect(returned).toEqual([]);
  });
});

/** Registers a resource group, then writes on the engine channel bytes that are not a call. */
const WRITING_PROGRAM = `
import * as fs from "node:fs";
import { ResourceGroup } from "@pulumi/azure-native/resources";
export = async () => {
  const group = new ResourceGroup("rg", { resourceGroupName: "rg-writing", location: "westeurope" });
  await new Promise((resolve) => group.urn.apply(resolve));
  fs.writeSync(4, Buffer.from([5, 0, 0, 0, 0, 0, 0, 0, 7]));
  return { groupName: new ResourceGroup("rg2", { resourceGroupName: "rg-after", location: "westeurope" }).name };
};
`;

/**
 * Completes its first run, then writes on the engine channel, while its process waits for the next:
 * from a timer that does not keep the loop alive, so the run ends before it fires (a run of this
 * program takes well under a second, on a busy machine too; two seconds leave room).
 */
const WRITING_AFTER_ITS_RUN = `
import * as fs from "node:fs";
import { ResourceGroup } from "@pulumi/azure-native/resources";
const state = globalThis as { wroteOnce?: boolean };
if (!state.wroteOnce) setTimeout(() => fs.writeSync(4, Buffer.from([5, 0, 0, 0, 0, 0, 0, 0, 7])), 2000).unref();
state.wroteOnce = true;
export const groupName = new ResourceGroup("rg", { resourceGroupName: "rg-writing", location: "westeurope" }).name;
`;

const dirs = removedAfterAll();
const writingDir = dirs(foreignProject(WRITING_PROGRAM));
const writingAfterDir = dirs(foreignProject(WRITING_AFTER_ITS_RUN));
const seconds = (since: bigint): number => Number(process.hrtime.bigint() - since) / 1e9;

describe("a program that writes on the engine channel", () => {
  it("fails its run at once", async () => {
    const project = readPulumiProject(writingDir);
    const started = process.hrtime.bigint();
    await expect(runProgram(project, readStackConfig(project, FOREIGN_STACK), { phase: "preview", timeoutSeconds: 60 })).rejects.toThrow(
      /wrote on the plan's engine channel what is not an engine call/,
    );
    expect(seconds(started)).toBeLessThan(30);
  }, 120_000);

  it("between two runs, leaves the next run to a process of its own", async () => {
    const project = readPulumiProject(writingAfterDir);
    const config = readStackConfig(project, FOREIGN_STACK);
    const session = new ProgramSession();
    const spawned: number[] = [];
    try {
      const options = { timeoutSeconds: 20, session, onSpawn: (pid: number) => spawned.push(pid) };
      await runProgram(project, config, { ...options, phase: "preview" });
      await new Promise((resolve) => setTimeout(resolve, 3000));
      const deployment = await runProgram(project, config, { ...options, phase: "deploy" });
      expect(deployment.resources.map((resource) => resource.name)).toContain("rg");
      expect(new Set(spawned).size).toBe(2);
    } finally {
      session.close();
    }
  }, 120_000);
});

/** What the program's environment says of the engine channel. */
const READING_ITS_ENVIRONMENT = `
export const channelVariable = process.env.AML_PLAN_ENGINE_CHANNEL_FD ?? "unset";
`;

describe("the program's environment", () => {
  it("does not carry the variable that told its process where the engine channel is", async () => {
    const project = readPulumiProject(dirs(foreignProject(READING_ITS_ENVIRONMENT)));
    const served = vi.spyOn(PlanEngine.prototype, "serveCall");
    try {
      const run = await runProgram(project, readStackConfig(project, FOREIGN_STACK), { phase: "preview", timeoutSeconds: 60 });
      expect(run.stackOutputs.channelVariable).toBe("unset");
      // the process did take the channel: the SDK's calls came on it
      expect(served).toHaveBeenCalled();
    } finally {
      served.mockRestore();
    }
  }, 120_000);
});
