/**
 * Kubernetes resource quantities for a Kubernetes online deployment's instance type, and
 * Microsoft's minimum for MLflow models.
 */

export interface KubernetesResources {
  readonly requests: { readonly cpu: string; readonly memory: string };
  readonly limits: { readonly cpu: string; readonly memory: string; readonly nvidiaGpu?: number };
}

/**
 * An MLflow (no-code) deployment needs at least 2 CPU and 4 GB requested, "otherwise, the deployment
 * fails" (https://learn.microsoft.com/azure/machine-learning/how-to-manage-kubernetes-instance-types).
 * The default asks for exactly that, in binary units, which are a little more.
 */
export const MLFLOW_MINIMUM = { cpuMillicores: 2000, memoryBytes: 4_000_000_000 } as const;
export const DEFAULT_KUBERNETES_RESOURCES: KubernetesResources = {
  requests: { cpu: "2", memory: "4Gi" },
  limits: { cpu: "2", memory: "4Gi" },
};

const CPU = /^(\d+(?:\.\d+)?)(m?)$/;
const MEMORY = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|k|K|M|G|T)?$/;
const MEMORY_UNITS: Readonly<Record<string, number>> = { "": 1, k: 1e3, K: 1e3, M: 1e6, G: 1e9, T: 1e12, Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40 };

/** CPU as Kubernetes writes it ("2", "0.5", "1500m") in millicores, or undefined when malformed. */
export function cpuMillicores(quantity: string): number | undefined {
  const match = CPU.exec(quantity);
  if (!match) return undefined;
  const value = Number(match[1]);
  return match[2] ? value : value * 1000;
}

/** Memory as Kubernetes writes it ("4Gi", "4096Mi", "4G") in bytes, or undefined when malformed. */
export function memoryBytes(quantity: string): number | undefined {
  const match = MEMORY.exec(quantity);
  if (!match) return undefined;
  return Number(match[1]) * (MEMORY_UNITS[match[2] ?? ""] ?? Number.NaN);
}

/** Every problem of a resource set, each naming its field (relative to `at`) and the fix. */
export function kubernetesResourcesProblems(resources: KubernetesResources, mlflow: boolean, at: string): string[] {
  const problems: string[] = [];
  const cpu = { requests: cpuMillicores(resources.requests.cpu), limits: cpuMillicores(resources.limits.cpu) };
  const memory = { requests: memoryBytes(resources.requests.memory), limits: memoryBytes(resources.limits.memory) };
  for (const side of ["requests", "limits"] as const) {
    if (cpu[side] === undefined || cpu[side] === 0) problems.push(`${at}.${side}.cpu "${resources[side].cpu}" is not a CPU quantity above 0 such as "2" or "1500m"`);
    if (memory[side] === undefined || memory[side] === 0) problems.push(`${at}.${side}.memory "${resources[side].memory}" is not a memory quantity above 0 such as "4Gi"`);
  }
  const gpu = resources.limits.nvidiaGpu;
  if (gpu !== undefined && !(Number.isInteger(gpu) && gpu >= 0)) problems.push(`${at}.limits.nvidiaGpu ${gpu} must be a whole number from 0 up`);
  if (problems.length > 0) return problems;
  if (cpu.limits! < cpu.requests!) problems.push(`${at}.limits.cpu "${resources.limits.cpu}" is below requests.cpu "${resources.requests.cpu}" (limits must be at least the requests)`);
  if (memory.limits! < memory.requests!) problems.push(`${at}.limits.memory "${resources.limits.memory}" is below requests.memory "${resources.requests.memory}" (limits must be at least the requests)`);
  if (mlflow && (cpu.requests! < MLFLOW_MINIMUM.cpuMillicores || memory.requests! < MLFLOW_MINIMUM.memoryBytes)) {
    problems.push(
      `${at}.requests ${resources.requests.cpu} CPU / ${resources.requests.memory} is below Microsoft's minimum for an MLflow model, 2 CPU and 4 GB requested ` +
        `(the deployment would fail; request at least cpu "2" and memory "4Gi", or give a scoring script with modelFormat "custom")`,
    );
  }
  return problems;
}
