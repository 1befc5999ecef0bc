// Cycle detection for the graph validator: cascade relations must form a DAG, or deleting one
// entity would recurse forever. Reports one concrete cycle per strongly connected component.

/**
 * Returns one cycle per strongly connected component that loops (including self-loops), each as
 * the list of nodes along the cycle, starting and ending at its first node in `nodes` order.
 * Deterministic: follows `nodes` order and the order `next` returns.
 */
export function findCycles(
  nodes: readonly string[],
  next: (node: string) => readonly string[],
): string[][] {
  const components = stronglyConnectedComponents(nodes, next);
  const position = new Map(nodes.map((node, index) => [node, index]));
  const cycles: string[][] = [];
  for (const component of components) {
    const members = new Set(component);
    const [start] = [...component].sort((a, b) => (position.get(a) ?? 0) - (position.get(b) ?? 0));
    if (start === undefined) {
      continue;
    }
    if (component.length === 1 && !next(start).includes(start)) {
      continue;
    }
    const path = pathBack(start, members, next);
    if (path !== undefined) {
      cycles.push(path);
    }
  }
  return cycles.sort((a, b) => (position.get(a[0] ?? '') ?? 0) - (position.get(b[0] ?? '') ?? 0));
}

/** A path start → … → start inside one component (breadth-first, so the shortest one). */
function pathBack(
  start: string,
  members: ReadonlySet<string>,
  next: (node: string) => readonly string[],
): string[] | undefined {
  const cameFrom = new Map<string, string>();
  const queue: string[] = [start];
  for (let index = 0; index < queue.length; index += 1) {
    const node = queue[index];
    if (node === undefined) {
      break;
    }
    for (const target of next(node)) {
      if (!members.has(target)) {
        continue;
      }
      if (target === start) {
        const trail: string[] = [];
        for (let step: string | undefined = node; step !== undefined && step !== start; ) {
          trail.push(step);
          step = cameFrom.get(step);
        }
        return [start, ...trail.reverse(), start];
      }
      if (!cameFrom.has(target)) {
        cameFrom.set(target, node);
        queue.push(target);
      }
    }
  }
  return undefined;
}

/** Tarjan's algorithm; graphs here have tens of nodes, so recursion depth is no concern. */
function stronglyConnectedComponents(
  nodes: readonly string[],
  next: (node: string) => readonly string[],
): string[][] {
  const index = new Map<string, number>();
  const lowLink = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const components: string[][] = [];
  let counter = 0;

  const visit = (node: string): void => {
    index.set(node, counter);
    lowLink.set(node, counter);
    counter += 1;
    stack.push(node);
    onStack.add(node);
    for (const target of next(node)) {
      if (!index.has(target)) {
        visit(target);
        lowLink.set(node, Math.min(lowLink.get(node) ?? 0, lowLink.get(target) ?? 0));
      } else if (onStack.has(target)) {
        lowLink.set(node, Math.min(lowLink.get(node) ?? 0, index.get(target) ?? 0));
      }
    }
    if (lowLink.get(node) === index.get(node)) {
      const component: string[] = [];
      for (let member = stack.pop(); member !== undefined; member = stack.pop()) {
        onStack.delete(member);
        component.push(member);
        if (member === node) {
          break;
        }
      }
      components.push(component);
    }
  };

  for (const node of nodes) {
    if (!index.has(node)) {
      visit(node);
    }
  }
  return components;
}
