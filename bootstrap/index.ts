// Once per subscription: what the pipelines need before their first deploy. The Pulumi state
// storage, the Key Vault key that encrypts stack secrets, and two keyless identities: the deploy
// identity (federated with each GitHub environment and the Azure DevOps service connection) and
// the read-mostly preview identity (federated with pull requests). Least privilege: README, "Pipelines".
import * as pulumi from "@pulumi/pulumi";
import * as azuread from "@pulumi/azuread";
import * as authorization from "@pulumi/azure-native/authorization";
import * as keyvault from "@pulumi/azure-native/keyvault";
import * as managedidentity from "@pulumi/azure-native/managedidentity";
import * as resources from "@pulumi/azure-native/resources";
import * as storage from "@pulumi/azure-native/storage";
import { stableUuid } from "../components/stableIds";
import { loadBootstrapConfig } from "./config";
import {
  BUILT_IN_ROLES,
  DEPLOY_GRAPH_PERMISSIONS,
  GRAPH_APP_ROLES,
  MICROSOFT_GRAPH_APP_ID,
  PREVIEW_GRAPH_PERMISSIONS,
  ROLE_MANAGEMENT_ACTIONS,
  withoutPrivilegedRoles,
  type GraphPermission,
} from "./roles";

const config = loadBootstrapConfig();
const client = authorization.getClientConfigOutput();
const subscriptionScope = pulumi.interpolate`/subscriptions/${client.subscriptionId}`;
const tags = { purpose: "aml-webservices-pipelines" };
// Losing the state or the key loses every stack: protect them from `pulumi destroy`.
const stateful = { protect: true };

/** Token exchange audience of Microsoft Entra workload identity federation. */
const ENTRA_TOKEN_EXCHANGE = "api://AzureADTokenExchange";
const GITHUB_ISSUER = "https://token.actions.githubusercontent.com";
const STATE_CONTAINER = "pulumi-state";
const SECRETS_KEY = "pulumi-secrets";
const RETENTION_DAYS = 30;

const names = {
  resourceGroup: `rg-pulumi-${config.nameSuffix}`,
  storageAccount: `stpulumi${config.nameSuffix}`,
  keyVault: `kv-pulumi-${config.nameSuffix}`,
};
// Scopes spelled out from the names, so the plan (and a reviewer) sees exactly where each role applies.
const groupScope = pulumi.interpolate`${subscriptionScope}/resourceGroups/${names.resourceGroup}`;
const containerScope = pulumi.interpolate`${groupScope}/providers/Microsoft.Storage/storageAccounts/${names.storageAccount}/blobServices/default/containers/${STATE_CONTAINER}`;
const keyScope = pulumi.interpolate`${groupScope}/providers/Microsoft.KeyVault/vaults/${names.keyVault}/keys/${SECRETS_KEY}`;

const group = new resources.ResourceGroup("pulumi", { resourceGroupName: names.resourceGroup, location: config.location, tags }, stateful);

// State: only Entra ID (RBAC) access, TLS 1.2, no anonymous blobs; versions and soft delete undo mistakes.
const account = new storage.StorageAccount(
  "state",
  {
    accountName: names.storageAccount,
    resourceGroupName: group.name,
    location: config.location,
    kind: "StorageV2",
    sku: { name: "Standard_GRS" },
    enableHttpsTrafficOnly: true,
    minimumTlsVersion: "TLS1_2",
    allowBlobPublicAccess: false,
    allowSharedKeyAccess: false,
    defaultToOAuthAuthentication: true,
    allowCrossTenantReplication: false,
    tags,
  },
  stateful,
);
new storage.BlobServiceProperties(
  "state-blob-service",
  {
    accountName: account.name,
    resourceGroupName: group.name,
    blobServicesName: "default",
    isVersioningEnabled: true,
    deleteRetentionPolicy: { enabled: true, days: RETENTION_DAYS },
    containerDeleteRetentionPolicy: { enabled: true, days: RETENTION_DAYS },
  },
  stateful,
);
const container = new storage.BlobContainer(
  "state-container",
  { accountName: account.name, resourceGroupName: group.name, containerName: STATE_CONTAINER, publicAccess: "None" },
  stateful,
);

// Secrets: an RSA key in an RBAC vault that can never be purged early.
const vault = new keyvault.Vault(
  "secrets",
  {
    vaultName: names.keyVault,
    resourceGroupName: group.name,
    location: config.location,
    properties: {
      tenantId: client.tenantId,
      sku: { family: "A", name: "standard" },
      enableRbacAuthorization: true,
      enableSoftDelete: true,
      softDeleteRetentionInDays: 90,
      enablePurgeProtection: true,
    },
    tags,
  },
  stateful,
);
const key = new keyvault.Key(
  "secrets-key",
  {
    keyName: SECRETS_KEY,
    vaultName: vault.name,
    resourceGroupName: group.name,
    // the azurekeyvault secrets provider encrypts and decrypts the stack's data key with RSA-OAEP-256
    properties: { kty: "RSA", keySize: 3072, keyOps: ["encrypt", "decrypt", "wrapKey", "unwrapKey"] },
  },
  stateful,
);

/** A user-assigned identity that signs in with federated credentials only: no secret to leak or rotate. */
function keylessIdentity(name: string, credentials: Array<{ name: string; issuer: string; subject: string }>): managedidentity.UserAssignedIdentity {
  const identity = new managedidentity.UserAssignedIdentity(name, { resourceName: `id-aml-webservices-${name}`, resourceGroupName: group.name, location: config.location, tags });
  // Azure refuses federated credentials written concurrently on one identity: one after the other.
  let previous: pulumi.Resource | undefined;
  for (const credential of credentials) {
    previous = new managedidentity.FederatedIdentityCredential(
      `${name}-${credential.name}`,
      {
        resourceName: identity.name,
        resourceGroupName: group.name,
        federatedIdentityCredentialResourceName: credential.name,
        issuer: credential.issuer,
        subject: credential.subject,
        audiences: [ENTRA_TOKEN_EXCHANGE],
      },
      previous ? { dependsOn: [previous] } : {},
    );
  }
  return identity;
}

const deployCredentials = [
  ...(config.github?.environments ?? []).map((environment) => ({
    name: `github-${environment}`,
    issuer: GITHUB_ISSUER,
    subject: `repo:${config.github!.repository}:environment:${environment}`,
  })),
  ...(config.azureDevOps
    ? [
        {
          name: "azure-devops",
          issuer: `https://vstoken.dev.azure.com/${config.azureDevOps.organizationId}`,
          subject: `sc://${config.azureDevOps.organization}/${config.azureDevOps.project}/${config.azureDevOps.serviceConnection}`,
        },
      ]
    : []),
];
const deploy = keylessIdentity("deploy", deployCredentials);
const preview = config.github
  ? keylessIdentity("preview", [{ name: "github-pull-request", issuer: GITHUB_ISSUER, subject: `repo:${config.github.repository}:pull_request` }])
  : undefined;

function assign(
  name: string,
  identity: managedidentity.UserAssignedIdentity,
  roleDefinitionId: pulumi.Input<string>,
  scope: pulumi.Input<string>,
  options: { condition?: string; after?: pulumi.Resource } = {},
): authorization.RoleAssignment {
  const { condition, after } = options;
  return new authorization.RoleAssignment(
    name,
    {
    // a stable name: the same assignment on every run, never a duplicate
    roleAssignmentName: pulumi.all([client.subscriptionId, roleDefinitionId, scope]).apply(([subscription, role, at]) => stableUuid("bootstrap", subscription, name, role, at)),
    principalId: identity.principalId,
    principalType: "ServicePrincipal",
    roleDefinitionId,
    scope,
    ...(condition ? { condition, conditionVersion: "2.0" } : {}),
    },
    after ? { dependsOn: [after] } : {},
  );
}
/** The full id of a role definition of this subscription (built-in or custom). */
const roleDefinition = (id: pulumi.Input<string>): pulumi.Output<string> => pulumi.interpolate`${subscriptionScope}/providers/Microsoft.Authorization/roleDefinitions/${id}`;

// `pulumi up` of the stacks creates resource groups and everything in them: Contributor on the subscription.
assign("deploy-contributor", deploy, roleDefinition(BUILT_IN_ROLES.contributor), subscriptionScope);
// ...and each web service's consumer role with its assignments, which Contributor cannot write.
const roleManagementId = client.subscriptionId.apply((subscription) => stableUuid("bootstrap", subscription, "deploy-role-management"));
const roleManagement = new authorization.RoleDefinition("deploy-role-management", {
  roleDefinitionId: roleManagementId,
  roleName: pulumi.interpolate`aml-webservices deploy: service consumer roles (${client.subscriptionId})`,
  description: "Creates the custom consumer role of each aml-webservices web service and assigns it; may not assign Owner, User Access Administrator or Role Based Access Control Administrator.",
  roleType: "CustomRole",
  scope: subscriptionScope,
  assignableScopes: [subscriptionScope],
  permissions: [{ actions: [...ROLE_MANAGEMENT_ACTIONS], notActions: [], dataActions: [], notDataActions: [] }],
});
assign("deploy-role-management", deploy, roleDefinition(roleManagementId), subscriptionScope, { condition: withoutPrivilegedRoles(), after: roleManagement });
// State and secrets: the container and the key only.
assign("deploy-state", deploy, roleDefinition(BUILT_IN_ROLES.storageBlobDataContributor), containerScope, { after: container });
assign("deploy-secrets", deploy, roleDefinition(BUILT_IN_ROLES.keyVaultCryptoUser), keyScope, { after: key });
if (preview) {
  // preview reads Azure, locks and reads the state, and decrypts the stack's secrets to compare them
  assign("preview-reader", preview, roleDefinition(BUILT_IN_ROLES.reader), subscriptionScope);
  assign("preview-state", preview, roleDefinition(BUILT_IN_ROLES.storageBlobDataContributor), containerScope, { after: container });
  assign("preview-secrets", preview, roleDefinition(BUILT_IN_ROLES.keyVaultCryptoUser), keyScope, { after: key });
}

// Microsoft Graph application permissions for the azuread resources of the stacks.
const graph = new azuread.ServicePrincipal("microsoft-graph", { clientId: MICROSOFT_GRAPH_APP_ID, useExisting: true }, { retainOnDelete: true });
function grantGraph(prefix: string, identity: managedidentity.UserAssignedIdentity, permissions: readonly GraphPermission[]): void {
  for (const permission of permissions) {
    new azuread.AppRoleAssignment(`${prefix}-graph-${permission}`, {
      appRoleId: GRAPH_APP_ROLES[permission],
      principalObjectId: identity.principalId,
      resourceObjectId: graph.objectId,
    });
  }
}
grantGraph("deploy", deploy, DEPLOY_GRAPH_PERMISSIONS);
if (preview) grantGraph("preview", preview, PREVIEW_GRAPH_PERMISSIONS);

const backendUrl = `azblob://${STATE_CONTAINER}`;
const secretsProvider = pulumi.interpolate`azurekeyvault://${vault.name}.vault.azure.net/keys/${SECRETS_KEY}`;

/** GitHub: repository variables (Settings > Secrets and variables > Actions > Variables). None is a secret. */
export const githubVariables = config.github
  ? {
      AZURE_CLIENT_ID: deploy.clientId,
      AZURE_PREVIEW_CLIENT_ID: preview!.clientId,
      AZURE_TENANT_ID: client.tenantId,
      AZURE_SUBSCRIPTION_ID: client.subscriptionId,
      AZURE_STORAGE_ACCOUNT: account.name,
      PULUMI_BACKEND_URL: backendUrl,
      PULUMI_SECRETS_PROVIDER: secretsProvider,
    }
  : undefined;

/** Azure DevOps: the service connection (workload identity federation, manual) and the variable group. */
export const azureDevOps = config.azureDevOps
  ? {
      serviceConnection: {
        name: config.azureDevOps.serviceConnection,
        servicePrincipalId: deploy.clientId,
        tenantId: client.tenantId,
        subscriptionId: client.subscriptionId,
        issuer: `https://vstoken.dev.azure.com/${config.azureDevOps.organizationId}`,
        subjectIdentifier: `sc://${config.azureDevOps.organization}/${config.azureDevOps.project}/${config.azureDevOps.serviceConnection}`,
      },
      variableGroup: { name: "aml-webservices-pulumi", PULUMI_BACKEND_URL: backendUrl, AZURE_STORAGE_ACCOUNT: account.name, PULUMI_SECRETS_PROVIDER: secretsProvider },
    }
  : undefined;

/** Each stack: `pulumi stack init <stack> --secrets-provider <this>` once, then commit its stack file. */
export const stackInit = { backendUrl, storageAccount: account.name, secretsProvider };
