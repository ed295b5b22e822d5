import * as pulumi from "@pulumi/pulumi";
import { isAzureRegion, type AzureRegion } from "./azureRegions";
import { ML_COMPUTE_ID } from "./patterns";
import { privateWorkspaceRegionError } from "./sameRegionCheck";
import type { ServiceWorkspace } from "./serviceWorkspace";

/** A Kubernetes compute of a workspace that services run on: attached by this stack, or by another team. */
export interface KubernetesCompute {
  readonly kind: "created" | "existing";
  readonly workspace: ServiceWorkspace;
  /** The compute's ARM id, known during preview. */
  readonly computeId: pulumi.Output<string>;
  /** The cluster's region. */
  readonly location: pulumi.Output<string>;
  /** The cluster's region when known at construction. */
  readonly knownLocation?: AzureRegion;
  readonly allowCrossRegion: boolean;
  /** What an endpoint on the compute waits for. */
  readonly ready: readonly pulumi.Resource[];
}

export interface ExistingKubernetesComputeArgs {
  readonly workspace: ServiceWorkspace;
  /** ARM id of a Kubernetes compute of that workspace, attached by its owner. */
  readonly computeId: string;
  /** The region of the compute's AKS cluster. */
  readonly location: AzureRegion;
  /** Let token-auth services use a cluster outside the workspace's region, with a warning. Default false. */
  readonly allowCrossRegion?: boolean;
}

/**
 * A Kubernetes compute another team attached to the workspace, with the AzureML extension and its
 * instance types already on the cluster. Nothing of it is created or changed.
 */
export class ExistingKubernetesCompute implements KubernetesCompute {
  readonly kind = "existing" as const;
  readonly workspace: ServiceWorkspace;
  readonly computeId: pulumi.Output<string>;
  readonly location: pulumi.Output<string>;
  readonly knownLocation: AzureRegion;
  readonly allowCrossRegion: boolean;
  readonly ready: readonly pulumi.Resource[] = [];

  constructor(name: string, args: ExistingKubernetesComputeArgs) {
    const problems: string[] = [];
    const { workspace } = args;
    const match = ML_COMPUTE_ID.exec(args.computeId);
    if (!match) {
      problems.push(
        `computeId "${args.computeId}" is not the ARM id of a workspace compute (/subscriptions/<id>/resourceGroups/<group>/providers/Microsoft.MachineLearningServices/workspaces/<workspace>/computes/<name>)`,
      );
    } else {
      const [, , resourceGroup = "", workspaceName = ""] = match;
      const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();
      if (!same(resourceGroup, workspace.names.resourceGroup) || !same(workspaceName, workspace.names.mlWorkspace)) {
        problems.push(
          `computeId "${args.computeId}" belongs to workspace "${resourceGroup}/${workspaceName}", not to "${workspace.names.resourceGroup}/${workspace.names.mlWorkspace}" ` +
            `(an endpoint runs only on a compute of its own workspace)`,
        );
      }
    }
    if (!isAzureRegion(args.location)) problems.push(`location "${String(args.location)}" is not an Azure region name such as "westeurope"`);
    else if (workspace.privateEndpoint) {
      const error = privateWorkspaceRegionError(workspace.location, args.location);
      if (error) problems.push(error);
    }
    if (problems.length > 0) throw new pulumi.RunError(`ExistingKubernetesCompute "${name}": ${problems.join("; ")}`);
    this.workspace = workspace;
    this.computeId = pulumi.output(args.computeId);
    this.location = pulumi.output(args.location);
    this.knownLocation = args.location;
    this.allowCrossRegion = args.allowCrossRegion ?? false;
  }
}
