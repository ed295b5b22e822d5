// The stack outputs file the endpoint commands read is what this project's program exports: run the
// real program (index.ts) for each stack, with every output known as after `pulumi up`.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { missingRoleAdvice } from "../../client/failures";
import { endpointFromOutputs, readStackOutputs, stackOutputsSchema } from "../../client/stackOutputs";
import { inputs, ofType } from "../harness/records";
import { sharedStackRun } from "../harness/stackRun";

const dir = mkdtempSync(path.join(tmpdir(), "aml-stack-outputs-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Writes outputs as `pulumi stack output --json --show-secrets` prints them (secrets in the clear). */
function writeOutputs(name: string, outputs: unknown): string {
  const file = path.join(dir, `${name}.json`);
  writeFileSync(file, JSON.stringify(outputs));
  return file;
}

describe("stack outputs of the program", () => {
  it.each(["dev", "prod"] as const)("%s: every endpoint resolves to coordinates with its auth mode and subscription", async (stack) => {
    const { stackOutputs, errors } = await sharedStackRun(stack, { preview: false });
    expect(errors).toEqual([]);
    const file = writeOutputs(stack, stackOutputs);
    const outputs = readStackOutputs(file);
    const names = Object.keys(outputs.endpoints);
    expect(names.length).toBeGreaterThan(0);
    for (const name of names) {
      const endpoint = endpointFromOutputs(outputs, name, file);
      expect(endpoint.coordinates).toMatchObject({ endpointName: name, workspaceName: outputs.workspace.name, resourceGroupName: outputs.workspace.resourceGroup });
      expect(endpoint.coordinates.subscriptionId).toMatch(/^[0-9a-f-]{36}$/);
      expect(endpoint.coordinates.authMode).toBe(outputs.endpoints[name]!.authMode);
      if (endpoint.coordinates.authMode === "Key") expect(endpoint.configuredKeys?.primaryKey).toBeTruthy();
      if (endpoint.coordinates.authMode === "AADToken") expect(endpoint.aadTokenAudience).toBe("https://ml.azure.com");
    }
  });

  it.each(["dev", "prod"] as const)("%s: a refusal names the consumer role the program creates for that endpoint", async (stack) => {
    const { stackOutputs, resources } = await sharedStackRun(stack, { preview: false });
    const file = writeOutputs(`${stack}-roles`, stackOutputs);
    const outputs = readStackOutputs(file);
    const roles = ofType(resources, "azure-native:authorization:RoleDefinition");
    expect(roles.length).toBeGreaterThan(0);
    for (const role of roles) {
      const roleName = String(inputs(role).roleName);
      const endpointName = Object.keys(outputs.endpoints).find((name) => roleName.startsWith(`aml-webservices ${name} consumer`));
      expect(endpointName, roleName).toBeDefined();
      const { coordinates } = endpointFromOutputs(outputs, endpointName, file);
      const operation = coordinates.authMode === "Key" ? "listKeys" : coordinates.authMode === "AMLToken" ? "token" : "score";
      expect(missingRoleAdvice(operation, coordinates)).toContain(`"${roleName}"`);
    }
  });

  it("refuses outputs written without --show-secrets, and says how to write them", async () => {
    const { stackOutputs } = await sharedStackRun("dev", { preview: false });
    const parsed = stackOutputsSchema.parse(stackOutputs);
    const [name] = Object.keys(parsed.endpoints);
    const hidden = { ...parsed, endpoints: { [name!]: { ...parsed.endpoints[name!], configuredKeys: "[secret]", keys: "[secret]" } } };
    const file = writeOutputs("hidden", hidden);
    expect(() => endpointFromOutputs(readStackOutputs(file), name, file)).toThrow(/--show-secrets/);
  });

  it("asks for --endpoint when the outputs hold several, and names them", () => {
    const file = writeOutputs("several", {
      workspace: { name: "ws", resourceGroup: "rg" },
      endpoints: { one: { authMode: "AMLToken", scoringUri: "https://one/score" }, two: { authMode: "AADToken", scoringUri: "https://two/score" } },
    });
    expect(() => endpointFromOutputs(readStackOutputs(file), undefined, file)).toThrow(/endpoints one, two: choose one with --endpoint/);
    expect(() => endpointFromOutputs(readStackOutputs(file), "three", file)).toThrow(/no endpoint 'three' \(they have: one, two\)/);
  });
});
