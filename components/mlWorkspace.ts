import * as pulumi from "@pulumi/pulumi";
import * as applicationinsights from "@pulumi/azure-native/applicationinsights";
import * as authorization from "@pulumi/azure-native/authorization";
import * as containerregistry from "@pulumi/azure-native/containerregistry";
import * as keyvault from "@pulumi/azure-native/keyvault";
import * as machinelearningservices from "@pulumi/azure-native/machinelearningservices";
import * as operationalinsights from "@pulumi/azure-native/operationalinsights";
import * as resources from "@pulumi/azure-native/resources";
import * as storage from "@pulumi/azure-native/storage";
import type { CodeStorage } from "./codeAsset";
import { isAzureRegion, type AzureRegion } from "./azureRegions";
import { platformNames, platformNamingProblems, type PlatformNames } from "./naming";
import { ENVIRONMENT } from "./patterns";
import type { ServiceWorkspace } from "./serviceWorkspace";
import { TYPE_PREFIX } from "./typeTokens";
import type { Mutable } from "./mutable";
import { createPrivateNetwork, privateNetworkProblems, type PrivateNetwork, type WorkspaceNetwork } from "./workspaceNetwork";

export interface MlWorkspaceArgs {
  /** 2-10 lowercase letters or digits; part of every name and the `environment` tag. */
  readonly environment: string;
  /** The Azure region of every resource in the workspace. */
  readonly location: AzureRegion;
  /**
   * Public, or private: public network access disabled, private endpoints with their DNS zones, the
   * workspace's managed network for managed compute, and a subnet for AKS nodes.
   */
  readonly network: WorkspaceNetwork;
  /** High business impact: reduces the diagnostic data Microsoft collects. Default false. */
  readonly hbi?: boolean;
  /** Protect the stateful resources from deletion. Default: true when environment is "prod". */
  readonly protect?: boolean;
  /** Appended to globally unique names (storage, key vault, registry). Default "". */
  readonly nameSuffix?: string;
  /** Extra tags; `environment` and `managed-by` are always set. */
  readonly tags?: Readonly<Record<string, string>>;
}

/** What an MlWorkspace holds once its resources are created. */
export interface MlWorkspaceParts {
  readonly names: PlatformNames;
  readonly location: AzureRegion;
  readonly environment: string;
  readonly protected: boolean;
  /** High business impact: computes attached to it need their own identity on its storage. */
  readonly hbi: boolean;
  readonly tags: Readonly<Record<string, string>>;
  readonly resourceGroup: resources.ResourceGroup;
  readonly storageAccount: storage.StorageAccount;
  readonly keyVault: keyvault.Vault;
  readonly logAnalytics: operationalinsights.Workspace;
  readonly applicationInsights: applicationinsights.Component;
  readonly containerRegistry: containerregistry.Registry;
  readonly workspace: machinelearningservices.Workspace;
  readonly resourceGroupName: pulumi.Output<string>;
  readonly resourceGroupId: pulumi.Output<string>;
  readonly workspaceName: pulumi.Output<string>;
  readonly workspaceId: pulumi.Output<string>;
  /**
   * The workspace's ARM id built from its names, which stays known during preview where `workspaceId`
   * does not. Resources that use it must also depend on `workspace`.
   */
  readonly workspaceArmId: pulumi.Output<string>;
  readonly subscriptionId: pulumi.Output<string>;
  readonly privateEndpoint: boolean;
  /** The private endpoints, DNS zones and network, when the network is private. */
  readonly privateNetwork?: PrivateNetwork;
  readonly aksSubnetId?: pulumi.Output<string>;
  readonly hbiStorageAccountId?: pulumi.Output<string>;
  readonly codeStorage: CodeStorage;
}

// The component's fields are its parts, assigned at once after the resources are created.
export interface MlWorkspace extends MlWorkspaceParts {}
/**
 * An Azure ML workspace with its resource group, storage, key vault, monitoring and registry,
 * all named from environment and region and locked down by default.
 */
export class MlWorkspace extends pulumi.ComponentResource implements ServiceWorkspace {
  readonly kind = "created" as const;

  constructor(name: string, args: MlWorkspaceArgs, opts?: pulumi.ComponentResourceOptions) {
    const names = validatedMlWorkspaceNames(name, args, opts);
    super(`${TYPE_PREFIX}:MlWorkspace`, name, {}, opts);
    Object.assign(this, createMlWorkspaceResources(this, name, args, names));
    this.registerOutputs({
      resourceGroupName: this.resourceGroupName,
      workspaceName: this.workspaceName,
      workspaceId: this.workspaceId,
      location: this.location,
    });
  }
}

/**
 * The workspace's resources, children of `component`: the TypeScript MlWorkspace and the package's
 * MlWorkspace (provider/) both register them under their own component, so both trees are the same.
 */
export function createMlWorkspaceResources(component: pulumi.ComponentResource, name: string, args: MlWorkspaceArgs, names: PlatformNames): MlWorkspaceParts {
  const self = {} as Mutable<MlWorkspaceParts>;
    self.names = names;
    self.location = args.location;
    self.environment = args.environment;
    self.protected = args.protect ?? args.environment === "prod";
    self.hbi = args.hbi ?? false;
    self.tags = { ...args.tags, environment: args.environment, "managed-by": "aml-webservices" };
    const isPrivate = args.network.kind === "private";
    self.privateEndpoint = isPrivate;
    // With a private network, every dependency is reached through its private endpoint only.
    const publicNetworkAccess = isPrivate ? "Disabled" : "Enabled";
    const stateful: pulumi.CustomResourceOptions = { parent: component, protect: self.protected };
    const common = { location: args.location, tags: self.tags };
    const client = authorization.getClientConfigOutput({ parent: component });
    self.subscriptionId = client.subscriptionId;

    self.resourceGroup = new resources.ResourceGroup(`${name}-resource-group`, { resourceGroupName: names.resourceGroup, ...common }, stateful);
    const resourceGroupName = self.resourceGroup.name;

    self.storageAccount = new storage.StorageAccount(
      `${name}-storage`,
      {
        accountName: names.storageAccount,
        resourceGroupName,
        ...common,
        kind: "StorageV2",
        sku: { name: "Standard_ZRS" },
        enableHttpsTrafficOnly: true,
        minimumTlsVersion: "TLS1_2",
        allowBlobPublicAccess: false,
        // The workspace reaches its datastores with its identity, so shared keys can go.
        allowSharedKeyAccess: false,
        publicNetworkAccess,
      },
      stateful,
    );

    self.keyVault = new keyvault.Vault(
      `${name}-key-vault`,
      {
        vaultName: names.keyVault,
        resourceGroupName,
        ...common,
        properties: {
          tenantId: client.tenantId,
          sku: { family: "A", name: "standard" },
          enableRbacAuthorization: true,
          enableSoftDelete: true,
          softDeleteRetentionInDays: 90,
          publicNetworkAccess,
          // Purge protection can never be turned off again, so only protected stacks get it.
          ...(self.protected ? { enablePurgeProtection: true } : {}),
        },
      },
      stateful,
    );

    self.logAnalytics = new operationalinsights.Workspace(
      `${name}-log-analytics`,
      { workspaceName: names.logAnalytics, resourceGroupName, ...common, sku: { name: "PerGB2018" }, retentionInDays: 30 },
      stateful,
    );

    self.applicationInsights = new applicationinsights.Component(
      `${name}-application-insights`,
      {
        resourceName: names.applicationInsights,
        resourceGroupName,
        ...common,
        kind: "web",
        applicationType: "web",
        ingestionMode: "LogAnalytics",
        workspaceResourceId: self.logAnalytics.id,
      },
      stateful,
    );

    self.containerRegistry = new containerregistry.Registry(
      `${name}-container-registry`,
      { registryName: names.containerRegistry, resourceGroupName, ...common, sku: { name: "Premium" }, adminUserEnabled: false, anonymousPullEnabled: false, publicNetworkAccess },
      stateful,
    );

    self.workspace = new machinelearningservices.Workspace(
      `${name}-workspace`,
      {
        workspaceName: names.mlWorkspace,
        resourceGroupName,
        ...common,
        friendlyName: `${args.environment} model web services`,
        sku: { name: "Basic", tier: "Basic" },
        identity: { type: "SystemAssigned" },
        storageAccount: self.storageAccount.id,
        keyVault: self.keyVault.id,
        applicationInsights: self.applicationInsights.id,
        containerRegistry: self.containerRegistry.id,
        hbiWorkspace: args.hbi ?? false,
        publicNetworkAccess,
        // Managed online deployments reach the storage, key vault and registry through the managed network.
        ...(args.network.kind === "private" ? { managedNetwork: { isolationMode: args.network.managedOutbound ?? "AllowInternetOutbound" } } : {}),
        systemDatastoresAuthMode: "Identity",
        v1LegacyMode: false,
      },
      stateful,
    );

    if (args.network.kind === "private") {
      self.privateNetwork = createPrivateNetwork(name, {
        network: args.network,
        names,
        resourceGroupName,
        location: args.location,
        tags: self.tags,
        targets: { workspace: self.workspace.id, storage: self.storageAccount.id, keyVault: self.keyVault.id, registry: self.containerRegistry.id },
        parent: component,
      });
      self.aksSubnetId = self.privateNetwork.aksSubnetId;
    }

    if (self.hbi) self.hbiStorageAccountId = self.storageAccount.id;
    self.codeStorage = { storageAccountId: self.storageAccount.id, storageAccountName: names.storageAccount, workspaceGuid: self.workspace.workspaceId };
    self.resourceGroupName = resourceGroupName;
    self.resourceGroupId = self.resourceGroup.id;
    self.workspaceName = self.workspace.name;
    self.workspaceId = self.workspace.id;
    self.workspaceArmId = pulumi.interpolate`/subscriptions/${self.subscriptionId}/resourceGroups/${names.resourceGroup}/providers/Microsoft.MachineLearningServices/workspaces/${names.mlWorkspace}`;
  return self;
}

/** The workspace's names, or a ResourceError naming every problem of the arguments. */
export function validatedMlWorkspaceNames(name: string, args: MlWorkspaceArgs, opts: pulumi.ComponentResourceOptions | undefined): PlatformNames {
  const problems: string[] = [];
  if (!ENVIRONMENT.test(args.environment)) problems.push(`environment "${args.environment}" must be 2-10 lowercase letters or digits`);
  if (!isAzureRegion(args.location)) problems.push(`location "${String(args.location)}" is not an Azure region name such as "westeurope"`);
  if (args.nameSuffix !== undefined && !/^[a-z0-9]{0,6}$/.test(args.nameSuffix)) problems.push(`nameSuffix "${args.nameSuffix}" must be up to 6 lowercase letters or digits`);
  problems.push(...privateNetworkProblems(args.network));
  if (problems.length === 0) {
    const names = platformNames(args.environment, args.location, args.nameSuffix ?? "");
    problems.push(...platformNamingProblems(names));
    if (problems.length === 0) return names;
  }
  throw new pulumi.ResourceError(`MlWorkspace "${name}": ${problems.join("; ")}`, opts?.parent, true);
}
