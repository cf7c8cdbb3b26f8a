#!/usr/bin/env python3
"""Reads the module graph `cargo modules dependencies` prints (Graphviz dot) on stdin and lists its
import cycles (strongly connected components); exits 1 if there is any.

    cargo modules dependencies --lib -p kuttl-rs --no-types --no-fns --no-traits \\
        --no-externs --no-sysroot --no-owns | python3 scripts/module-cycles.py

(cargo-modules 0.27's own `--acyclic` also counts a type and its methods as a cycle, whatever the
filters, so the check on the module graph is done here.)
"""
import collections
import re
import sys


def main() -> int:
    edges = collections.defaultdict(set)
    for line in sys.stdin:
        match = re.match(r'\s*"([^"]+)" -> "([^"]+)"', line)
        if match and match.group(1) != match.group(2):
            edges[match.group(1)].add(match.group(2))
    nodes = set(edges) | {target for targets in edges.values() for target in targets}
    if not nodes:
        print("no module graph on stdin", file=sys.stderr)
        return 2
    cycles = strongly_connected(nodes, edges)
    edge_count = sum(len(targets) for targets in edges.values())
    print(f"{len(nodes)} modules, {edge_count} use edges, {len(cycles)} cycle(s)")
    for cycle in cycles:
        print("  cycle:", " <-> ".join(sorted(cycle)))
    return 1 if cycles else 0


def strongly_connected(nodes, edges):
    """Tarjan's algorithm, iterative; components of more than one module."""
    index, low, on_stack, stack, found = {}, {}, set(), [], []
    counter = 0
    for root in sorted(nodes):
        if root in index:
            continue
        work = [(root, iter(sorted(edges[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is None:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        found.append(component)
            elif child not in index:
                index[child] = low[child] = counter
                counter += 1
                stack.append(child)
                on_stack.add(child)
                work.append((child, iter(sorted(edges[child]))))
            elif child in on_stack:
                low[node] = min(low[node], index[child])
    return found


if __name__ == "__main__":
    sys.exit(main())
