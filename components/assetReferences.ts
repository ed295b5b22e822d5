import * as pulumi from "@pulumi/pulumi";

export type AssetKind = "models" | "environments";

const SHORTHAND = /^(?:azureml:)?([A-Za-z0-9][\w.-]*):([\w.-]+)$/;
const FULL_REFERENCE = /^(azureml:\/\/\S+|\/subscriptions\/\S+)$/;

export function isAssetReference(reference: string): boolean {
  return SHORTHAND.test(reference) || FULL_REFERENCE.test(reference);
}

/**
 * `name:version` (or the CLI's `azureml:name:version`) means an asset registered in the
 * workspace; ARM ids and azureml:// ids pass through unchanged.
 */
export function resolveAssetReference(reference: string, kind: AssetKind, workspaceId: pulumi.Input<string>): pulumi.Output<string> {
  if (FULL_REFERENCE.test(reference)) return pulumi.output(reference);
  const match = SHORTHAND.exec(reference);
  if (!match) throw new Error(`"${reference}" is not a ${kind} reference`);
  const [, name, version] = match;
  return pulumi.interpolate`${workspaceId}/${kind}/${name}/versions/${version}`;
}
