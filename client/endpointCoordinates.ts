import type { EndpointAuthMode } from "../components/authModes";

export type { EndpointAuthMode };

export const ENDPOINT_AUTH_MODES = ["Key", "AMLToken", "AADToken"] as const satisfies readonly EndpointAuthMode[];

/** Where one online endpoint lives. What is not given here is read from Azure when a call needs it. */
export interface EndpointCoordinates {
  readonly endpointName: string;
  readonly workspaceName: string;
  readonly resourceGroupName: string;
  /** Needed for every control-plane call (keys, rotation, AML tokens, reading the endpoint). */
  readonly subscriptionId?: string;
  /** Known from the stack outputs; otherwise read from the endpoint. */
  readonly authMode?: EndpointAuthMode;
  /** Known from the stack outputs; otherwise read from the endpoint. */
  readonly scoringUri?: string;
}

const PROVIDER_PATH = "providers/Microsoft.MachineLearningServices/workspaces";

/** The endpoint's ARM id, or its path below the resource group when the subscription is unknown. */
export function endpointScope(coordinates: EndpointCoordinates): string {
  const { subscriptionId, resourceGroupName, workspaceName, endpointName } = coordinates;
  const subscription = subscriptionId ?? "<subscription>";
  return `/subscriptions/${subscription}/resourceGroups/${resourceGroupName}/${PROVIDER_PATH}/${workspaceName}/onlineEndpoints/${endpointName}`;
}

/** The subscription id of an ARM id or ARM path, if it has one. */
export function subscriptionOfArmPath(armPath: string): string | undefined {
  return /^\/subscriptions\/([^/]+)\//i.exec(armPath)?.[1];
}
