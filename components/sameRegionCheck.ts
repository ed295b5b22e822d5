import * as pulumi from "@pulumi/pulumi";
import { normalizeRegion } from "./azureRegions";

export interface RegionPair {
  readonly service: string;
  readonly workspaceLocation: string;
  readonly clusterLocation: string;
}

export function sameRegion(pair: RegionPair): boolean {
  return normalizeRegion(pair.workspaceLocation) === normalizeRegion(pair.clusterLocation);
}

export function crossRegionError(pair: RegionPair): string {
  return (
    `ModelWebService "${pair.service}": token auth (AMLToken) needs the workspace and the AKS cluster in the same region, ` +
    `but the workspace is in "${pair.workspaceLocation}" and the cluster in "${pair.clusterLocation}". ` +
    `Every token request goes to the workspace's region: put the cluster in "${pair.workspaceLocation}", ` +
    `or set allowCrossRegion on the AksInferenceCluster (aksCluster.allowCrossRegion in stack config) to accept that risk.`
  );
}

export function crossRegionWarning(pair: RegionPair): string {
  return (
    `ModelWebService "${pair.service}": token auth with the workspace in "${pair.workspaceLocation}" and the AKS cluster in ` +
    `"${pair.clusterLocation}" (allowCrossRegion is set). Every token request goes to the workspace's region, so the service ` +
    `stops issuing tokens when "${pair.workspaceLocation}" is unavailable, and token latency grows with the distance between the regions.`
  );
}

/**
 * Applies the same-region rule: an error unless cross-region use is allowed, then only a warning.
 * Returns the error message to throw, or undefined.
 */
export function enforceSameRegion(pair: RegionPair, allowCrossRegion: boolean, resource?: pulumi.Resource): string | undefined {
  if (sameRegion(pair)) return undefined;
  if (!allowCrossRegion) return crossRegionError(pair);
  void pulumi.log.warn(crossRegionWarning(pair), resource);
  return undefined;
}

/**
 * A workspace with a private endpoint requires its AKS clusters in its region, whatever the auth
 * mode (https://learn.microsoft.com/azure/machine-learning/how-to-secure-kubernetes-inferencing-environment).
 * Unlike the token rule, nothing can waive it. Returns the error message, or undefined.
 */
export function privateWorkspaceRegionError(workspaceLocation: string, clusterLocation: string): string | undefined {
  if (normalizeRegion(workspaceLocation) === normalizeRegion(clusterLocation)) return undefined;
  return (
    `the workspace has a private endpoint, so Azure requires the AKS cluster in the workspace's region "${workspaceLocation}", ` +
    `for every auth mode, but the cluster is in "${clusterLocation}" (allowCrossRegion does not apply); use a cluster in "${workspaceLocation}"`
  );
}
