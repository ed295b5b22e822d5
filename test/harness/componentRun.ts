import { AzureFakes, FAKE_SUBSCRIPTION_ID, type AzureFakeOptions } from "../../plan/azureFakes";

/** An AKS cluster that exists before the program runs, for attach scenarios. */
export const EXISTING_CLUSTER_ID = `/subscriptions/${FAKE_SUBSCRIPTION_ID}/resourceGroups/rg-shared-k8s/providers/Microsoft.ContainerService/managedClusters/shared-aks`;
import { runUnderMocks, type MockRunResult } from "../../plan/mockRun";
import { withoutStackTraces } from "./withoutStackTraces";

/**
 * Constructs components under the mock runtime. `build` must import the components itself
 * (dynamic import) so that they are created after the mocks are set.
 */
export async function runComponents(
  build: () => Promise<unknown> | unknown,
  options: { preview?: boolean; fakes?: Omit<AzureFakeOptions, "preview"> } = {},
): Promise<MockRunResult> {
  const preview = options.preview ?? false;
  return withoutStackTraces(() => runUnderMocks(build, { project: "aml-webservices", stack: "test", preview, fakes: new AzureFakes({ preview, ...options.fakes }) }));
}
