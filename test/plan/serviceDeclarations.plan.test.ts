// The auth rules hold however a program reaches the engine: the same generated declarations as the
// pack's property test, written inside components and through resource transforms (the stack's, and a
// parent's `transforms` option), planned by the real engine and the real pack in both phases.
import { writeFileSync } from "node:fs";
import * as path from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { runOfflinePlan } from "../../plan/offlinePlan";
import {
  allowedAuthModesArbitrary,
  AUTH_POLICIES,
  expectedViolations,
  serviceModelArbitrary,
  writeService,
  type AuthMode,
  type ServiceModel,
  type Writing,
} from "../policies/serviceDeclarations";
import { makeTempDir, REAL_PACK, removedAfterAll } from "./helpers";

const temp = removedAfterAll();

/** How the program hands the declaration to the engine. */
const WRAPPINGS = ["component", "stack-transform", "parent-transform"] as const;
type Wrapping = (typeof WRAPPINGS)[number];

const WRITINGS: Record<ServiceModel["generation"], readonly Writing[]> = {
  v2: ["direct", "template-parameters", "template-variables", "generic-resource"],
  v1: ["direct", "direct-machine-learning-service", "template-defaults", "generic-resource"],
};

interface PlannedService {
  model: ServiceModel;
  writing: Writing;
  wrapping: Wrapping;
  variant: number;
}

const serviceArbitrary: fc.Arbitrary<PlannedService> = serviceModelArbitrary.chain((model) =>
  fc.record({
    model: fc.constant(model),
    writing: fc.constantFrom(...WRITINGS[model.generation]),
    wrapping: fc.constantFrom(...WRAPPINGS),
    variant: fc.nat({ max: 2 }),
  }),
);

// The program registers a decoy that the rules judge differently (an endpoint without an auth mode),
// so a transform the engine failed to apply shows up as a wrong verdict.
const PROGRAM = `
import * as pulumi from "@pulumi/pulumi";
import { readFileSync } from "node:fs";

interface Service { type: string; name: string; props: Record<string, unknown>; wrapping: string }
const services = JSON.parse(readFileSync("services.json", "utf8")) as Service[];
const decoy = { resourceGroupName: "rg", workspaceName: "mlw", endpointName: "decoy", properties: {} };
const real = new Map(services.map((s) => [s.name, s]));

class Wrapper extends pulumi.ComponentResource {
  constructor(name: string, opts?: pulumi.ComponentResourceOptions) {
    super("test:index:Wrapper", name, {}, opts);
    this.registerOutputs({});
  }
}

pulumi.runtime.registerResourceTransform((args) => {
  const service = real.get(args.name);
  return service?.wrapping === "stack-transform" ? { props: service.props, opts: args.opts } : undefined;
});

for (const service of services) {
  if (service.wrapping === "component") {
    new pulumi.CustomResource(service.type, service.name, service.props, { parent: new Wrapper(service.name + "-wrapper") });
  } else if (service.wrapping === "stack-transform") {
    new pulumi.CustomResource(service.type, service.name, decoy);
  } else {
    const parent = new Wrapper(service.name + "-wrapper", {
      transforms: [(args) => (args.name === service.name ? { props: service.props, opts: args.opts } : undefined)],
    });
    new pulumi.CustomResource(service.type, service.name, decoy, { parent });
  }
}
`;

function packConfig(allowed: readonly AuthMode[]): string {
  const config: Record<string, unknown> = { all: "disabled" };
  for (const policy of AUTH_POLICIES) config[policy] = "mandatory";
  config["ml-endpoint-allowed-auth-modes"] = { enforcementLevel: "mandatory", allowedAuthModes: allowed };
  return JSON.stringify(config);
}

describe.concurrent("the auth policies agree with the rules inside components and through transforms", () => {
  it(
    "planned by the engine, in the preview and the deploy phase",
    async () => {
      await fc.assert(
        fc.asyncProperty(allowedAuthModesArbitrary, fc.array(serviceArbitrary, { minLength: 3, maxLength: 8 }), async (allowed, planned) => {
          const services = planned.map((service, index) => {
            const resource = writeService(service.model, service.writing, service.variant);
            // Azure names are unique: each service gets its own endpoint, service or deployment name
            const props = JSON.parse(JSON.stringify(resource.props).replace(/\bscoring\b/g, `scoring-${index}`)) as Record<string, unknown>;
            return { type: resource.type, name: `svc-${index}`, props, wrapping: service.wrapping };
          });
          const dir = temp(
            makeTempDir({
              "Pulumi.yaml": "name: declarations\nruntime:\n  name: nodejs\n  options:\n    typescript: true\n",
              "Pulumi.plan.yaml": "config: {}\n",
              "index.ts": PROGRAM,
              "services.json": JSON.stringify(services),
              "pack-config.json": packConfig(allowed),
            }),
          );
          const model = await runOfflinePlan({
            projectDir: dir,
            stack: "plan",
            packDir: REAL_PACK,
            packConfigFile: path.join(dir, "pack-config.json"),
          });
          for (const [index, service] of planned.entries()) {
            const expected = expectedViolations(service.model, service.writing, allowed);
            for (const phase of ["preview", "deploy"] as const) {
              const failing = model.violations
                .filter((v) => v.phase === phase && v.enforcementLevel === "mandatory" && v.urn.endsWith(`::svc-${index}`))
                .map((v) => v.policy);
              expect({ service: `svc-${index}`, ...service, phase, failing: [...new Set(failing)].sort() }).toEqual({
                service: `svc-${index}`,
                ...service,
                phase,
                failing: expected,
              });
            }
          }
          expect(model.summary.deferred).toBe(0);
          expect(model.summary.undecided).toBe(0);
        }),
        { numRuns: 6 },
      );
    },
    600_000,
  );
});

// keep the decoy honest: written without transforms, it is judged as an endpoint without auth mode
it.concurrent("the decoy alone violates ml-endpoint-auth-required, so an unapplied transform cannot pass", async () => {
  const dir = temp(
    makeTempDir({
      "Pulumi.yaml": "name: declarations\nruntime:\n  name: nodejs\n  options:\n    typescript: true\n",
      "Pulumi.plan.yaml": "config: {}\n",
      "index.ts": PROGRAM,
      "services.json": "[]",
      "pack-config.json": packConfig(["Key"]),
    }),
  );
  writeFileSync(
    path.join(dir, "index.ts"),
    `import * as pulumi from "@pulumi/pulumi";\nnew pulumi.CustomResource("azure-native:machinelearningservices:OnlineEndpoint", "svc-0", { resourceGroupName: "rg", workspaceName: "mlw", endpointName: "decoy", properties: {} });\n`,
  );
  const model = await runOfflinePlan({ projectDir: dir, stack: "plan", packDir: REAL_PACK, packConfigFile: path.join(dir, "pack-config.json") });
  expect(model.violations.filter((v) => v.enforcementLevel === "mandatory").map((v) => v.policy)).toContain("ml-endpoint-auth-required");
}, 300_000);
