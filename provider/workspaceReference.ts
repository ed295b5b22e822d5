import * as pulumi from "@pulumi/pulumi";
import type { AzureRegion } from "../components/azureRegions";
import { platformNames, platformNamingProblems } from "../components/naming";
import { ENVIRONMENT } from "../components/patterns";
import { ExistingMlWorkspace, type ServiceWorkspace } from "../components/serviceWorkspace";
import { Problems } from "./plainChecks";

/**
 * The workspace a cluster or service belongs to, by its values. For an MlWorkspace of this package,
 * pass its outputs: environment, location, privateEndpoint, tags, subscriptionId,
 * resourceGroupName, workspaceName (and aksSubnetId, hbiStorageAccountId when it has them). For a
 * workspace another team owns, give existingWorkspaceId with environment, location and privateEndpoint.
 */
export interface WorkspaceReference {
  /** 2-10 lowercase letters or digits: part of the names of the cluster, compute and endpoints added. */
  readonly environment: string;
  /** The workspace's region, e.g. "westeurope". */
  readonly location: string;
  /** Whether the workspace is reached through private endpoints; it decides where clusters may be. Default false. */
  readonly privateEndpoint?: boolean;
  /** Tags of what is added; `environment` and `managed-by` are always set. */
  readonly tags?: Record<string, string>;
  /** An MlWorkspace's subscriptionId output. */
  readonly subscriptionId?: pulumi.Input<string>;
  /** An MlWorkspace's resourceGroupName output. */
  readonly resourceGroupName?: pulumi.Input<string>;
  /** An MlWorkspace's workspaceName output. */
  readonly workspaceName?: pulumi.Input<string>;
  /** An MlWorkspace's aksSubnetId output, when its network is private. */
  readonly aksSubnetId?: pulumi.Input<string>;
  /** A high-business-impact workspace: ARM id of its storage account. */
  readonly hbiStorageAccountId?: pulumi.Input<string>;
  /** ARM id of a workspace another team owns; then subscriptionId, resourceGroupName and workspaceName are not given. */
  readonly existingWorkspaceId?: string;
}

const CREATED_WORKSPACE_OUTPUTS = ["subscriptionId", "resourceGroupName", "workspaceName"] as const;

/**
 * The workspace as clusters and services use it. A workspace of this package is named from its
 * environment and region, as MlWorkspace names it; the outputs given carry the dependency on it.
 */
export function serviceWorkspace(component: string, reference: WorkspaceReference, problems: Problems): ServiceWorkspace | undefined {
  const known = "give the value the workspace was given, not its output";
  const environment = problems.knownString("workspace.environment", reference.environment, known);
  const location = problems.knownString("workspace.location", reference.location, known) === undefined ? undefined : problems.region("workspace.location", reference.location);
  if (environment !== undefined && !ENVIRONMENT.test(environment)) problems.add(`workspace.environment "${environment}" must be 2-10 lowercase letters or digits`);
  if (reference.tags !== undefined && !isPlainStringMap(reference.tags)) problems.add(`workspace.tags must be plain strings known before anything is created (${known})`);
  if (reference.existingWorkspaceId !== undefined) problems.knownString("workspace.existingWorkspaceId", reference.existingWorkspaceId, "the ARM id of the workspace");
  if (reference.privateEndpoint !== undefined && typeof reference.privateEndpoint !== "boolean") problems.add(`workspace.privateEndpoint must be true or false, known before anything is created (${known})`);
  const outputs = CREATED_WORKSPACE_OUTPUTS.filter((key) => reference[key] !== undefined);
  if (reference.existingWorkspaceId !== undefined) {
    if (outputs.length > 0) problems.add(`workspace.existingWorkspaceId names a workspace another team owns; remove workspace.${outputs.join(", workspace.")}, which are an MlWorkspace's outputs`);
    if (!location || problems.list.length > 0) return undefined;
    return existingWorkspace(component, reference, reference.existingWorkspaceId, location, problems);
  }
  if (outputs.length < CREATED_WORKSPACE_OUTPUTS.length) {
    const missing = CREATED_WORKSPACE_OUTPUTS.filter((key) => reference[key] === undefined);
    problems.add(`workspace needs an MlWorkspace's outputs ${missing.map((key) => `workspace.${key}`).join(", ")}, or existingWorkspaceId for a workspace another team owns`);
  }
  if (!location || problems.list.length > 0) return undefined;
  // The names clusters and services use do not depend on the suffix of globally unique names.
  const names = platformNames(reference.environment, location);
  const namingProblems = platformNamingProblems(names);
  if (namingProblems.length > 0) {
    namingProblems.forEach((problem) => problems.add(`workspace: ${problem}`));
    return undefined;
  }
  const subscriptionId = pulumi.output(reference.subscriptionId!);
  // Names are made from environment and location before anything exists; the outputs must agree.
  const agreeing = (field: string, given: pulumi.Input<string>, expected: string) =>
    pulumi.output(given).apply((value) => {
      if (value !== expected) {
        throw new pulumi.ResourceError(
          `${component}: workspace.${field} "${value}" is not "${expected}", the name an MlWorkspace gets from environment "${reference.environment}" ` +
            `and location "${location}"; give the values the workspace was given`,
          undefined,
          true,
        );
      }
      return value;
    });
  const resourceGroupName = agreeing("resourceGroupName", reference.resourceGroupName!, names.resourceGroup);
  const workspaceName = agreeing("workspaceName", reference.workspaceName!, names.mlWorkspace);
  return {
    kind: "created",
    environment: reference.environment,
    location,
    tags: { ...reference.tags, environment: reference.environment, "managed-by": "aml-webservices" },
    names,
    subscriptionId,
    resourceGroupName,
    resourceGroupId: pulumi.interpolate`/subscriptions/${subscriptionId}/resourceGroups/${resourceGroupName}`,
    workspaceName,
    // Built from names as MlWorkspace builds it; the workspace name output keeps the dependency.
    workspaceArmId: pulumi.interpolate`/subscriptions/${subscriptionId}/resourceGroups/${names.resourceGroup}/providers/Microsoft.MachineLearningServices/workspaces/${names.mlWorkspace}`,
    privateEndpoint: reference.privateEndpoint ?? false,
    ...(reference.aksSubnetId !== undefined ? { aksSubnetId: pulumi.output(reference.aksSubnetId) } : {}),
    ...(reference.hbiStorageAccountId !== undefined ? { hbiStorageAccountId: pulumi.output(reference.hbiStorageAccountId) } : {}),
  };
}

function existingWorkspace(component: string, reference: WorkspaceReference, workspaceId: string, location: AzureRegion, problems: Problems): ServiceWorkspace | undefined {
  const storage = reference.hbiStorageAccountId;
  if (storage !== undefined && typeof storage !== "string") problems.add(`workspace.hbiStorageAccountId of a workspace another team owns must be a plain ARM id string`);
  if (problems.list.length > 0) return undefined;
  try {
    return new ExistingMlWorkspace(component, {
      workspaceId,
      location,
      privateEndpoint: reference.privateEndpoint ?? false,
      environment: reference.environment,
      ...(reference.tags !== undefined ? { tags: reference.tags } : {}),
      ...(typeof storage === "string" ? { hbiStorageAccountId: storage } : {}),
    });
  } catch (error) {
    problems.add(error instanceof Error ? error.message : String(error));
    return undefined;
  }
}

function isPlainStringMap(value: unknown): value is Record<string, string> {
  return typeof value === "object" && value !== null && !pulumi.Output.isInstance(value) && Object.values(value).every((entry) => typeof entry === "string");
}
