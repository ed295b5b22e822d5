// Compile-time checks of the public types: `npm run typecheck` fails if a refused state compiles.
import type { AksInferenceCluster } from "../../components/aksInferenceCluster";
import type { ModelWebServiceArgs } from "../../components/modelWebService";

export function kubernetesRefusesEntraIdTokens(cluster: AksInferenceCluster): ModelWebServiceArgs["compute"] {
  // @ts-expect-error Kubernetes online endpoints do not support Entra ID tokens.
  return { kind: "kubernetes", cluster, auth: "aadToken" };
}

export function managedAcceptsEntraIdTokens(): ModelWebServiceArgs["compute"] {
  return { kind: "managed", auth: "aadToken" };
}
