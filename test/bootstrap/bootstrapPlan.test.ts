// The bootstrap program's offline plan (real program, real policy pack, through the CLI).
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { BUILT_IN_ROLES, GRAPH_APP_ROLES, MICROSOFT_GRAPH_APP_ID, PRIVILEGED_ROLES, ROLE_MANAGEMENT_ACTIONS } from "../../bootstrap/roles";
import type { JsonReport } from "../../plan/report/jsonReport";
import { ROOT, makeTempDir, removedAfterAll, runCli, type CliResult } from "../plan/helpers";

const BOOTSTRAP = path.join(ROOT, "bootstrap");
const temp = removedAfterAll();
// the subscription the Azure fakes answer with (plan/azureFakes.ts)
const SUBSCRIPTION = "/subscriptions/00000000-0000-4000-8000-0000000000a1";
const GROUP = `${SUBSCRIPTION}/resourceGroups/rg-pulumi-contoso1`;

let result: CliResult;
let report: JsonReport;
type Resource = JsonReport["resources"][number];
const named = (name: string): Resource => report.resources.find((r) => r.name === name)!;
const ofType = (type: string): Resource[] => report.resources.filter((r) => r.type === type);
const roleDefinition = (id: string): string => `${SUBSCRIPTION}/providers/Microsoft.Authorization/roleDefinitions/${id}`;

beforeAll(async () => {
  result = await runCli(["plan", "--cwd", BOOTSTRAP, "--stack", "subscription", "--format", "json"]);
  report = JSON.parse(result.stdout) as JsonReport;
});

describe("bootstrap plan", () => {
  it("plans with the policy pack and no violation", () => {
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(report.project).toBe("aml-webservices-bootstrap");
    expect(report.violations).toEqual([]);
  });

  it("creates the state storage, the secrets key, two identities, their credentials, roles and Graph permissions", () => {
    const counts: Record<string, number> = {};
    for (const r of report.resources) counts[r.type] = (counts[r.type] ?? 0) + 1;
    expect(counts).toEqual({
      "pulumi:pulumi:Stack": 1,
      "azure-native:resources:ResourceGroup": 1,
      "azure-native:storage:StorageAccount": 1,
      "azure-native:storage:BlobServiceProperties": 1,
      "azure-native:storage:BlobContainer": 1,
      "azure-native:keyvault:Vault": 1,
      "azure-native:keyvault:Key": 1,
      "azure-native:managedidentity:UserAssignedIdentity": 2,
      "azure-native:managedidentity:FederatedIdentityCredential": 5,
      "azure-native:authorization:RoleDefinition": 1,
      "azure-native:authorization:RoleAssignment": 7,
      "azuread:index/servicePrincipal:ServicePrincipal": 1,
      "azuread:index/appRoleAssignment:AppRoleAssignment": 4,
    });
    // the state and its key are protected from `pulumi destroy`
    for (const name of ["pulumi", "state", "state-blob-service", "state-container", "secrets", "secrets-key"]) expect(named(name).protect).toBe(true);
  });

  it("no key-based access: no shared keys, no anonymous blobs, TLS 1.2, RBAC vault with purge protection, no secret anywhere", () => {
    expect(named("state").inputs).toMatchObject({
      allowSharedKeyAccess: false,
      allowBlobPublicAccess: false,
      defaultToOAuthAuthentication: true,
      enableHttpsTrafficOnly: true,
      minimumTlsVersion: "TLS1_2",
    });
    expect(named("state-blob-service").inputs).toMatchObject({
      isVersioningEnabled: true,
      deleteRetentionPolicy: { enabled: true, days: 30 },
      containerDeleteRetentionPolicy: { enabled: true, days: 30 },
    });
    expect(named("state-container").inputs).toMatchObject({ containerName: "pulumi-state", publicAccess: "None" });
    expect(named("secrets").inputs.properties).toMatchObject({ enableRbacAuthorization: true, enablePurgeProtection: true, enableSoftDelete: true });
    expect(named("secrets").inputs.properties).not.toHaveProperty("accessPolicies");
    expect(named("secrets-key").inputs.properties).toMatchObject({ kty: "RSA", keySize: 3072 });
    // identities sign in with federated credentials only: no password or certificate resource exists
    expect(report.resources.filter((r) => /Password|Certificate|Secret/i.test(r.type))).toEqual([]);
    expect(JSON.stringify(report.resources)).not.toContain("[secret]");
  });

  it("federates the deploy identity with each GitHub environment and the Azure DevOps service connection, the preview identity with pull requests", () => {
    const credentials = ofType("azure-native:managedidentity:FederatedIdentityCredential").map((r) => ({
      identity: r.dependencies.map((urn) => urn.split("::").pop()).find((name) => name === "deploy" || name === "preview"),
      issuer: r.inputs.issuer,
      subject: r.inputs.subject,
      audiences: r.inputs.audiences,
    }));
    const github = "https://token.actions.githubusercontent.com";
    const audiences = ["api://AzureADTokenExchange"];
    expect(credentials).toEqual(
      expect.arrayContaining([
        { identity: "deploy", issuer: github, subject: "repo:contoso/ml-services:environment:dev", audiences },
        { identity: "deploy", issuer: github, subject: "repo:contoso/ml-services:environment:staging", audiences },
        { identity: "deploy", issuer: github, subject: "repo:contoso/ml-services:environment:prod", audiences },
        { identity: "deploy", issuer: "https://vstoken.dev.azure.com/4b8a7e8c-7f0e-4d2a-9c31-0f6d2b5e8a41", subject: "sc://contoso/ml-services/aml-webservices-deploy", audiences },
        { identity: "preview", issuer: github, subject: "repo:contoso/ml-services:pull_request", audiences },
      ]),
    );
    expect(credentials).toHaveLength(5);
    // the GitHub environments of the subjects are the stacks the deploy workflow deploys
    const stack = parse(readFileSync(path.join(BOOTSTRAP, "Pulumi.subscription.yaml"), "utf8")) as { config: Record<string, { environments?: string[] }> };
    expect(stack.config["aml-webservices-bootstrap:github"]!.environments).toEqual(["dev", "staging", "prod"]);
  });

  it("assigns each role at its scope: Contributor and role management on the subscription, data roles on the container and the key only", () => {
    const assignments = Object.fromEntries(
      ofType("azure-native:authorization:RoleAssignment").map((r) => [r.name, { role: r.inputs.roleDefinitionId, scope: r.inputs.scope, principalType: r.inputs.principalType }]),
    );
    const container = `${GROUP}/providers/Microsoft.Storage/storageAccounts/stpulumicontoso1/blobServices/default/containers/pulumi-state`;
    const key = `${GROUP}/providers/Microsoft.KeyVault/vaults/kv-pulumi-contoso1/keys/pulumi-secrets`;
    const roleManagementId = named("deploy-role-management").inputs.roleDefinitionId as string;
    const sp = "ServicePrincipal";
    expect(assignments).toEqual({
      "deploy-contributor": { role: roleDefinition(BUILT_IN_ROLES.contributor), scope: SUBSCRIPTION, principalType: sp },
      "deploy-role-management": { role: roleDefinition(roleManagementId), scope: SUBSCRIPTION, principalType: sp },
      "deploy-state": { role: roleDefinition(BUILT_IN_ROLES.storageBlobDataContributor), scope: container, principalType: sp },
      "deploy-secrets": { role: roleDefinition(BUILT_IN_ROLES.keyVaultCryptoUser), scope: key, principalType: sp },
      "preview-reader": { role: roleDefinition(BUILT_IN_ROLES.reader), scope: SUBSCRIPTION, principalType: sp },
      "preview-state": { role: roleDefinition(BUILT_IN_ROLES.storageBlobDataContributor), scope: container, principalType: sp },
      "preview-secrets": { role: roleDefinition(BUILT_IN_ROLES.keyVaultCryptoUser), scope: key, principalType: sp },
    });
    // no Owner, User Access Administrator or RBAC Administrator is ever assigned
    for (const assignment of Object.values(assignments)) for (const privileged of PRIVILEGED_ROLES) expect(assignment.role).not.toContain(privileged);
  });

  it("the role-management role writes only role definitions and assignments, and its assignment forbids privileged roles", () => {
    const definition = ofType("azure-native:authorization:RoleDefinition")[0]!.inputs as { permissions: Array<{ actions: string[]; dataActions: string[] }>; assignableScopes: string[] };
    expect(definition.permissions).toEqual([{ actions: [...ROLE_MANAGEMENT_ACTIONS], notActions: [], dataActions: [], notDataActions: [] }]);
    expect(definition.assignableScopes).toEqual([SUBSCRIPTION]);
    const condition = ofType("azure-native:authorization:RoleAssignment").find((r) => r.name === "deploy-role-management")!.inputs;
    expect(condition.conditionVersion).toBe("2.0");
    for (const privileged of PRIVILEGED_ROLES) expect(condition.condition).toContain(privileged);
    expect(condition.condition).toContain("@Request[Microsoft.Authorization/roleAssignments:RoleDefinitionId] ForAnyOfAllValues:GuidNotEquals");
    expect(condition.condition).toContain("@Resource[Microsoft.Authorization/roleAssignments:RoleDefinitionId] ForAnyOfAllValues:GuidNotEquals");
  });

  it("grants Microsoft Graph permissions: the deploy identity manages only its own apps; the preview identity only reads", () => {
    expect(named("microsoft-graph").inputs).toMatchObject({ clientId: MICROSOFT_GRAPH_APP_ID, useExisting: true });
    const grants = ofType("azuread:index/appRoleAssignment:AppRoleAssignment").map((r) => [r.name, r.inputs.appRoleId]);
    expect(grants.sort()).toEqual(
      [
        ["deploy-graph-Application.ReadWrite.OwnedBy", GRAPH_APP_ROLES["Application.ReadWrite.OwnedBy"]],
        ["deploy-graph-DelegatedPermissionGrant.ReadWrite.All", GRAPH_APP_ROLES["DelegatedPermissionGrant.ReadWrite.All"]],
        ["deploy-graph-Directory.Read.All", GRAPH_APP_ROLES["Directory.Read.All"]],
        ["preview-graph-Directory.Read.All", GRAPH_APP_ROLES["Directory.Read.All"]],
      ].sort(),
    );
  });

  it("refuses a configuration with no federated credential source, naming the problem, before any resource (exit 2)", async () => {
    const project = temp(
      makeTempDir(
        {
          "Pulumi.yaml": `name: aml-webservices-bootstrap\nruntime: nodejs\nmain: ${path.join(BOOTSTRAP, "index.ts")}\n`,
          "Pulumi.broken.yaml": "config:\n  aml-webservices-bootstrap:location: westeurope\n  aml-webservices-bootstrap:nameSuffix: AB\n",
        },
        "aml-bootstrap-",
      ),
    );
    const broken = await runCli(["plan", "--cwd", project, "--stack", "broken"]);
    expect(broken.code).toBe(2);
    expect(broken.stderr).toContain("Invalid bootstrap configuration (2 problems):");
    expect(broken.stderr).toContain("  - nameSuffix: 3-8 lowercase letters or digits (storage account and key vault names are global)");
    expect(broken.stderr).toContain("  - (config): configure github, azureDevOps or both: the deploy identity needs a federated credential to be usable");
    expect(broken.stdout).toBe("");
  });
});
