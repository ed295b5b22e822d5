// The report lists resources in an order that does not depend on when each registered.
import { describe, expect, it } from "vitest";
import { canonicalOrder, type OrderedResource } from "../../plan/report/canonicalOrder";

const STACK = "urn:pulumi:dev::p::pulumi:pulumi:Stack::p-dev";
const urn = (type: string, name: string): string => `urn:pulumi:dev::p::${type}::${name}`;
const WORKSPACE = urn("my:index:Platform", "platform");
const GROUP = urn("my:index:Platform$azure-native:resources:ResourceGroup", "rg");
const VAULT = urn("my:index:Platform$azure-native:keyvault:Vault", "kv");
const ML = urn("my:index:Platform$azure-native:machinelearningservices:Workspace", "ws");
const SERVICE = urn("my:index:Service", "svc");
const ENDPOINT = urn("my:index:Service$azure-native:machinelearningservices:OnlineEndpoint", "ep");
const ALPHA = urn("my:index:Other", "alpha");
const PROVIDER = urn("pulumi:providers:azure-native", "west-europe");

const RESOURCES: OrderedResource[] = [
  { urn: STACK, parent: null, dependencies: [] },
  { urn: WORKSPACE, parent: STACK, dependencies: [] },
  { urn: GROUP, parent: WORKSPACE, dependencies: [] },
  { urn: VAULT, parent: WORKSPACE, dependencies: [GROUP] },
  { urn: ML, parent: WORKSPACE, dependencies: [GROUP, VAULT] },
  // the service depends on a child of the platform component: it comes after the component
  { urn: SERVICE, parent: STACK, dependencies: [] },
  { urn: ENDPOINT, parent: SERVICE, dependencies: [ML] },
  // uses an explicit provider, whose URN sorts after its own
  { urn: ALPHA, parent: STACK, dependencies: [], provider: `${PROVIDER}::04da6b54-80e4-46f7-96ec-b56ff0331ba9` },
  { urn: PROVIDER, parent: STACK, dependencies: [] },
];

/** A deterministic permutation of `items` (a linear congruential generator seeded with `seed`). */
function permuted<T>(items: readonly T[], seed: number): T[] {
  const result = [...items];
  let state = seed;
  for (let i = result.length - 1; i > 0; i--) {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    const j = state % (i + 1);
    [result[i], result[j]] = [result[j]!, result[i]!];
  }
  return result;
}

describe("canonicalOrder", () => {
  it("puts parents first, a sibling after the siblings it depends on or whose provider it uses (or their children), others by URN", () => {
    expect(canonicalOrder(RESOURCES).map((r) => r.urn)).toEqual([STACK, WORKSPACE, GROUP, VAULT, ML, SERVICE, ENDPOINT, PROVIDER, ALPHA]);
  });

  it("gives the same order whatever order the resources registered in", () => {
    const expected = canonicalOrder(RESOURCES).map((r) => r.urn);
    for (let seed = 1; seed <= 50; seed++) expect(canonicalOrder(permuted(RESOURCES, seed)).map((r) => r.urn)).toEqual(expected);
  });

  it("lists every resource once, a resource whose parent is not recorded as a root, and ends on a dependency cycle", () => {
    const orphan = { urn: urn("my:index:X", "orphan"), parent: urn("my:index:Gone", "gone"), dependencies: [] };
    const a = { urn: urn("my:index:A", "a"), parent: STACK, dependencies: [urn("my:index:B", "b")] };
    const b = { urn: urn("my:index:B", "b"), parent: STACK, dependencies: [urn("my:index:A", "a")] };
    const ordered = canonicalOrder([...RESOURCES, orphan, a, b]).map((r) => r.urn);
    expect(new Set(ordered).size).toBe(RESOURCES.length + 3);
    expect(ordered.indexOf(a.urn)).toBeLessThan(ordered.indexOf(b.urn));
    // roots by URN too: the orphan's type sorts before pulumi:pulumi:Stack
    expect(ordered.slice(0, 2)).toEqual([orphan.urn, STACK]);
  });
});
