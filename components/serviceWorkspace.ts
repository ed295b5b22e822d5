import * as pulumi from "@pulumi/pulumi";
import { isAzureRegion, type AzureRegion } from "./azureRegions";
import type { CodeStorage } from "./codeAsset";
import { platformNames, type ServiceNames } from "./naming";
import { ENVIRONMENT, ML_WORKSPACE_ID, STORAGE_ACCOUNT_ID } from "./patterns";

/**
 * What clusters and services need of a workspace: one this stack creates (`MlWorkspace`) or one
 * another team owns (`ExistingMlWorkspace`).
 */
export interface ServiceWorkspace {
  readonly kind: "created" | "existing";
  /** Part of the names of what this stack adds: cluster, compute, endpoints. */
  readonly environment: string;
  /** The workspace's region. */
  readonly location: AzureRegion;
  readonly tags: Readonly<Record<string, string>>;
  readonly names: ServiceNames;
  readonly subscriptionId: pulumi.Output<string>;
  readonly resourceGroupName: pulumi.Output<string>;
  readonly resourceGroupId: pulumi.Output<string>;
  readonly workspaceName: pulumi.Output<string>;
  /** Built from names, so that it stays known during preview; resources that use it also use `workspaceName`. */
  readonly workspaceArmId: pulumi.Output<string>;
  /**
   * The workspace is reached through a private endpoint. Azure then requires its AKS clusters in its
   * region, whatever the auth mode (https://learn.microsoft.com/azure/machine-learning/how-to-secure-kubernetes-inferencing-environment).
   */
  readonly privateEndpoint: boolean;
  /** The subnet new AKS clusters join, when the workspace has a private network. */
  readonly aksSubnetId?: pulumi.Output<string>;
  /** High-business-impact workspaces only: their storage, where attached computes need roles of their own. */
  readonly hbiStorageAccountId?: pulumi.Output<string>;
  /** Where scoring code is uploaded; known for a workspace this stack creates. */
  readonly codeStorage?: CodeStorage;
}

export interface ExistingMlWorkspaceArgs {
  /** ARM id of the workspace another team owns. */
  readonly workspaceId: string;
  /** The workspace's region. */
  readonly location: AzureRegion;
  /** Whether the workspace has a private endpoint; it decides where clusters may be. */
  readonly privateEndpoint: boolean;
  /** 2-10 lowercase letters or digits: part of the names of the cluster, compute and endpoints added. */
  readonly environment: string;
  /** Tags of what this stack adds; `environment` and `managed-by` are always set. */
  readonly tags?: Readonly<Record<string, string>>;
  /** For a high-business-impact workspace: the ARM id of its storage account, where a compute this stack attaches needs roles. */
  readonly hbiStorageAccountId?: string;
}

/** A workspace another team owns, to add clusters and services to. Nothing of it is created or changed. */
export class ExistingMlWorkspace implements ServiceWorkspace {
  readonly kind = "existing" as const;
  readonly environment: string;
  readonly location: AzureRegion;
  readonly tags: Readonly<Record<string, string>>;
  readonly names: ServiceNames;
  readonly subscriptionId: pulumi.Output<string>;
  readonly resourceGroupName: pulumi.Output<string>;
  readonly resourceGroupId: pulumi.Output<string>;
  readonly workspaceName: pulumi.Output<string>;
  readonly workspaceArmId: pulumi.Output<string>;
  readonly privateEndpoint: boolean;
  readonly hbiStorageAccountId?: pulumi.Output<string>;

  constructor(name: string, args: ExistingMlWorkspaceArgs) {
    const problems: string[] = [];
    const match = ML_WORKSPACE_ID.exec(args.workspaceId);
    if (!match) {
      problems.push(
        `workspaceId "${args.workspaceId}" is not the ARM id of an Azure ML workspace (/subscriptions/<id>/resourceGroups/<group>/providers/Microsoft.MachineLearningServices/workspaces/<name>)`,
      );
    }
    if (args.hbiStorageAccountId !== undefined && !STORAGE_ACCOUNT_ID.test(args.hbiStorageAccountId)) {
      problems.push(`hbiStorageAccountId "${args.hbiStorageAccountId}" is not the ARM id of a storage account (/subscriptions/<id>/resourceGroups/<group>/providers/Microsoft.Storage/storageAccounts/<name>)`);
    }
    if (!isAzureRegion(args.location)) problems.push(`location "${String(args.location)}" is not an Azure region name such as "westeurope"`);
    if (!ENVIRONMENT.test(args.environment)) problems.push(`environment "${args.environment}" must be 2-10 lowercase letters or digits`);
    if (!match || problems.length > 0) throw new pulumi.RunError(`ExistingMlWorkspace "${name}": ${problems.join("; ")}`);
    const [, subscription = "", resourceGroup = "", workspace = ""] = match;
    this.environment = args.environment;
    this.location = args.location;
    this.tags = { ...args.tags, environment: args.environment, "managed-by": "aml-webservices" };
    const own = platformNames(args.environment, args.location);
    this.names = { resourceGroup, mlWorkspace: workspace, aksCluster: own.aksCluster, compute: own.compute, kubernetesNamespace: own.kubernetesNamespace };
    this.subscriptionId = pulumi.output(subscription);
    this.resourceGroupName = pulumi.output(resourceGroup);
    this.resourceGroupId = pulumi.output(`/subscriptions/${subscription}/resourceGroups/${resourceGroup}`);
    this.workspaceName = pulumi.output(workspace);
    this.workspaceArmId = pulumi.output(args.workspaceId);
    this.privateEndpoint = args.privateEndpoint;
    if (args.hbiStorageAccountId !== undefined) this.hbiStorageAccountId = pulumi.output(args.hbiStorageAccountId);
  }
}
