/**
 * The order a report lists resources in, the same on every run of the same program. Registration
 * order is not: a resource whose inputs wait on other resources' outputs registers when they
 * resolve, which varies from run to run. Here a resource comes after its parent (depth first, as
 * the tree shows it), a sibling after the siblings it depends on or whose provider it uses
 * (directly or through their children), and siblings otherwise by URN.
 */
export interface OrderedResource {
  urn: string;
  parent?: string | null | undefined;
  dependencies: readonly string[];
  /** provider reference, `<provider urn>::<provider id>` */
  provider?: string | undefined;
}

/** what a resource comes after: its dependencies and its provider */
function prerequisites(resource: OrderedResource): string[] {
  const provider = resource.provider ? resource.provider.slice(0, resource.provider.lastIndexOf("::")) : undefined;
  return provider ? [...resource.dependencies, provider] : [...resource.dependencies];
}

export function canonicalOrder<R extends OrderedResource>(resources: readonly R[]): R[] {
  const byUrn = new Map(resources.map((resource) => [resource.urn, resource]));
  const children = new Map<string | undefined, R[]>();
  for (const resource of resources) {
    const parent = resource.parent && byUrn.has(resource.parent) ? resource.parent : undefined;
    const group = children.get(parent);
    if (group) group.push(resource);
    else children.set(parent, [resource]);
  }
  /** the sibling among `siblings` that is `urn` or an ancestor of it */
  const siblingOf = (urn: string, siblings: Set<string>): string | undefined => {
    const seen = new Set<string>();
    for (let at: string | undefined = urn; at !== undefined && !seen.has(at); at = byUrn.get(at)?.parent ?? undefined) {
      if (siblings.has(at)) return at;
      seen.add(at);
    }
    return undefined;
  };
  const descendants = (resource: R): R[] => [resource, ...(children.get(resource.urn) ?? []).flatMap(descendants)];

  const byUrnOrder = (a: R, b: R): number => (a.urn < b.urn ? -1 : a.urn > b.urn ? 1 : 0);
  const ordered: R[] = [];
  const visit = (parent: string | undefined): void => {
    const siblings = [...(children.get(parent) ?? [])].sort(byUrnOrder);
    const urns = new Set(siblings.map((s) => s.urn));
    // Kahn's algorithm, the first ready sibling by URN next
    const pending = new Map<string, number>(siblings.map((s) => [s.urn, 0]));
    const dependents = new Map<string, string[]>();
    for (const sibling of siblings) {
      const on = new Set<string>();
      for (const member of descendants(sibling)) {
        for (const dependency of prerequisites(member)) {
          const target = siblingOf(dependency, urns);
          if (target !== undefined && target !== sibling.urn) on.add(target);
        }
      }
      for (const target of on) {
        const list = dependents.get(target);
        if (list) list.push(sibling.urn);
        else dependents.set(target, [sibling.urn]);
      }
      pending.set(sibling.urn, on.size);
    }
    const ready = siblings.filter((s) => pending.get(s.urn) === 0);
    const placed = new Set<string>();
    while (placed.size < siblings.length) {
      // a cycle (which the engine would refuse) leaves the rest by URN
      const next = ready.shift() ?? siblings.find((s) => !placed.has(s.urn))!;
      placed.add(next.urn);
      ordered.push(next);
      visit(next.urn);
      for (const dependent of dependents.get(next.urn) ?? []) {
        const left = pending.get(dependent)! - 1;
        pending.set(dependent, left);
        if (left === 0 && !placed.has(dependent)) {
          const resource = byUrn.get(dependent)!;
          let at = ready.findIndex((r) => byUrnOrder(resource, r) < 0);
          if (at < 0) at = ready.length;
          ready.splice(at, 0, resource);
        }
      }
    }
  };
  visit(undefined);
  return ordered;
}
