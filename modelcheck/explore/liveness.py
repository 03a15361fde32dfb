"""Temporal properties under fairness, by the tableau/SCC method, on the behaviour graph.

A property is violated iff some fair behaviour satisfies its negation. Every negation of
the shapes we accept is recognised by a two-phase Büchi automaton (a tableau), so a
counterexample is a path that
  - reaches a trigger state t (for `eventually P`: starts in one),
  - then stays inside a region R, reaching a strongly connected set C of R-states,
  - and loops in C forever, visiting an accepting state, fairly:
      always P            not P somewhere        T = not P,  R = all,    accept = all
      eventually P        never P                T = not P (initially), R = not P
      always eventually P eventually never P     T = R = not P
      eventually always P not P infinitely often T = R = all, accept = not P
      P leadsto Q         P, then never Q        T = P and not Q, R = not Q
With the action predicate taken(A) (some step of A) as what eventually happens, the region
is in the steps instead: after the trigger, no step of A (T = initial states for
`eventually taken(A)`, every state for `always eventually`, P for `P leadsto taken(A)`).
Every state may stutter (TLA+): a single state is a cycle. A loop over a set C is fair
iff for every weakly fair instance, some state of C disables it or some step of C inside C
takes it; for every strongly fair instance enabled somewhere in C, a step inside C takes it.
An SCC failing weak fairness or acceptance has no fair subset; one failing strong fairness
loses the states where that instance is enabled and is split again (the standard
algorithm). Strongly connected components: scipy.sparse.csgraph.

The counterexample is a lasso: a shortest path in the product (graph x tableau) from an
initial state to the fair SCC, then a cycle through the SCC that visits an accepting state,
takes or disables every weakly fair instance and takes every strongly fair one enabled in
it, back to where it entered.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import breadth_first_order, connected_components, shortest_path

from .behaviour import BehaviourGraph

WEAK, STRONG = 1, 2


@dataclass(frozen=True)
class Tableau:
    trigger: np.ndarray      # bool per state
    region: np.ndarray       # bool per state
    accept: np.ndarray       # bool per state
    from_start: bool         # the trigger must be an initial state
    avoid: int | None = None  # after the trigger, no step of this action (index)


def tableau(shape: str, p: np.ndarray | None, q: np.ndarray | None, taken: int | None = None,
            states: int | None = None) -> Tableau:
    """p, q: the state predicates' values per state (None where the property has taken(A)
    instead; `taken` is then A's index and `states` the number of states)."""
    every = np.ones(states if p is None else len(p), dtype=bool)
    if taken is not None:
        trigger = p if shape == "leadsto" else every
        return Tableau(trigger, every, every, shape == "eventually", taken)
    if shape == "always":
        return Tableau(~p, every, every, False)
    if shape == "eventually":
        return Tableau(~p, ~p, every, True)
    if shape == "always eventually":
        return Tableau(~p, ~p, every, False)
    if shape == "eventually always":
        return Tableau(every, every, ~p, False)
    if shape == "leadsto":
        return Tableau(p & ~q, ~q, every, False)
    raise ValueError(f"unknown property shape {shape!r}")


@dataclass(frozen=True)
class Lasso:
    """A counterexample: states[0] is initial; after states[-1] comes states[loop]."""
    states: tuple[int, ...]
    labels: tuple[int | None, ...]   # per step into states[i] (i >= 1): the instance label, or None: any
    loop: int
    back_label: int | None           # the instance taking states[-1] -> states[loop] (None: any or stutter)


def find_lasso(g: BehaviourGraph, tab: Tableau) -> Lasso | None:
    n = g.states
    if n == 0:
        return None
    src, dst, lab = _select(g.dst >= 0, g.src, g.dst, g.label)
    # the steps allowed after the trigger
    after = tab.region[src] & tab.region[dst]
    if tab.avoid is not None:
        after &= np.array([a for a, _ in g.keys], dtype=np.int64)[lab] != tab.avoid
    allowed = _select(after, src, dst, lab)
    starts = tab.trigger & tab.region
    if tab.from_start:
        starts &= _mask(n, g.initial)
    else:
        starts &= _reachable(n, src, dst, g.initial)
    candidates = _reachable(n, allowed[0], allowed[1], np.flatnonzero(starts))
    found = _fair_component(g, *allowed, tab.accept, candidates)
    if found is None:
        return None
    return _lasso(g, (src, dst), allowed, tab, found)


def _select(keep: np.ndarray, *columns: np.ndarray) -> tuple[np.ndarray, ...]:
    """The edges where `keep` holds; the columns themselves when it always does (most
    graphs have no steps leaving the constraint, most regions are everything): no copy."""
    return columns if keep.all() else tuple(c[keep] for c in columns)


def _distinct(keys: np.ndarray) -> np.ndarray:
    """np.unique(keys) for the (state, label) keys of many steps, by a stable sort: numpy's
    unique hashes integers, seconds on millions of distinct keys, where timsort is linear on
    the runs of the recorded order (steps by source state) and quick on any order."""
    ordered = np.sort(keys, kind="stable")
    return ordered[np.concatenate(([True], ordered[1:] != ordered[:-1]))] if len(ordered) else ordered


def _mask(n: int, indices) -> np.ndarray:
    m = np.zeros(n, dtype=bool)
    m[indices] = True
    return m


def _csr(n: int, src: np.ndarray, dst: np.ndarray) -> csr_matrix:
    return csr_matrix((np.ones(len(src), dtype=np.int8), (src, dst)), shape=(n, n))


def _reachable(n: int, src: np.ndarray, dst: np.ndarray, sources) -> np.ndarray:
    """States reachable from `sources` along the edges (sources included)."""
    sources = np.asarray(sources, dtype=np.int64)
    if not len(sources):
        return np.zeros(n, dtype=bool)
    root = n  # one extra node pointing at every source
    graph = _csr(n + 1, np.concatenate((src, np.full(len(sources), root))), np.concatenate((dst, sources)))
    order = breadth_first_order(graph, root, directed=True, return_predecessors=False)
    return _mask(n + 1, order)[:n]


def _fair_component(g: BehaviourGraph, src, dst, lab, accept, alive) -> np.ndarray | None:
    """Sets of states, each strongly connected within `alive`, with a fair accepting cycle
    through all of it, as a component number per state (-1: in none); None if there are
    none. Removes what cannot hold one, repeatedly."""
    n, labels = g.states, len(g.kinds)
    fair_edge = g.kinds[g.label] > 0  # enabledness counts steps leaving the region too
    enabled = _distinct(g.src[fair_edge].astype(np.int64) * labels + g.label[fair_edge])
    en_state, en_label = enabled // labels, enabled % labels
    alive = alive.copy()
    while alive.any():
        keep = alive[src] & alive[dst]
        _, comp = connected_components(_csr(n, src[keep], dst[keep]), directed=True, connection="strong")
        comp = np.where(alive, comp, -1)
        size = np.bincount(comp[alive], minlength=comp.max() + 1)
        accepting = np.bincount(comp[alive & accept], minlength=len(size)) > 0
        # (component, label) -> states enabling it; steps taken inside the component
        here = alive[en_state]
        en_key, en_count = np.unique(comp[en_state[here]].astype(np.int64) * labels + en_label[here],
                                     return_counts=True)
        inside = keep & (comp[src] == comp[dst]) & (g.kinds[lab] > 0)
        taken = _distinct(comp[src[inside]].astype(np.int64) * labels + lab[inside])
        untaken = ~np.isin(en_key, taken)
        en_comp, en_lab = en_key // labels, en_key % labels
        weak_broken = untaken & (g.kinds[en_lab] == WEAK) & (en_count == size[en_comp])
        strong_broken = untaken & (g.kinds[en_lab] == STRONG)
        hopeless = ~accepting
        hopeless[en_comp[weak_broken | (strong_broken & (en_count == size[en_comp]))]] = True
        splitting = np.zeros(len(size), dtype=bool)
        splitting[en_comp[strong_broken]] = True
        good = ~hopeless & ~splitting & (size > 0)
        if good.any():
            return np.where(alive & good[np.maximum(comp, 0)] & (comp >= 0), comp, -1)
        # remove hopeless components and, in split ones, the states enabling a strongly
        # fair instance that is never taken inside
        before = alive.sum()
        alive &= ~hopeless[np.maximum(comp, 0)] | (comp < 0)
        bad_pairs = np.isin(comp[en_state].astype(np.int64) * labels + en_label,
                            en_key[strong_broken]) & alive[en_state]
        alive[en_state[bad_pairs]] = False
        if alive.sum() == before:
            raise AssertionError("fair SCC search made no progress")
    return None


def _lasso(g: BehaviourGraph, edges, allowed, tab: Tableau, good: np.ndarray) -> Lasso:
    """edges: the edges inside the constraint (src, dst); allowed: those allowed after the
    trigger (src, dst, label)."""
    src, dst = edges
    entry_path, entry_labels = _prefix(g, src, dst, allowed, tab, good >= 0)
    entry = entry_path[-1]
    members = good == good[entry]
    cycle, cycle_labels = _cycle(g, *allowed, tab.accept, members, entry)
    if not cycle:  # stuttering in the entry state is fair
        return Lasso(tuple(entry_path), tuple(entry_labels), len(entry_path) - 1, None)
    states = entry_path + cycle[:-1]
    labels = entry_labels + cycle_labels[:-1]
    return Lasso(tuple(states), tuple(labels), len(entry_path) - 1, cycle_labels[-1])


def _prefix(g: BehaviourGraph, src, dst, allowed, tab: Tableau, members):
    """A shortest path in the product from an initial state to a member state in phase 1.
    Product node s (phase 0: before the trigger) and n + s (phase 1: after it); `allowed`:
    the steps allowed in phase 1 (src, dst, label)."""
    n = g.states
    region = tab.region
    starts = tab.trigger & region
    e_src, e_dst = [], []
    if not tab.from_start:
        e_src += [src, src[starts[dst]]]
        e_dst += [dst, n + dst[starts[dst]]]
    e_src.append(n + allowed[0])
    e_dst.append(n + allowed[1])
    root = 2 * n
    init = np.asarray(g.initial, dtype=np.int64)
    roots = [init[starts[init]] + n] + ([] if tab.from_start else [init])
    all_roots = np.concatenate(roots)
    graph = _csr(2 * n + 1, np.concatenate(e_src + [np.full(len(all_roots), root)]),
                 np.concatenate(e_dst + [all_roots]))
    order, pred = breadth_first_order(graph, root, directed=True, return_predecessors=True)
    phase1 = order[(order >= n) & (order < 2 * n)]
    target = int(phase1[members[phase1 - n]][0])  # the first member reached, in BFS order
    nodes = []
    v = target
    while v != root:
        nodes.append(int(v))
        v = pred[v]
    nodes.reverse()
    # a step after the trigger is one allowed there (not any step between the two states)
    labels = [_label_of(allowed, u - n, v - n) if u >= n else None for u, v in zip(nodes, nodes[1:])]
    return [v % n for v in nodes], labels


# (state, conditions met) pairs the exact cycle search may visit; beyond, the greedy walk
CYCLE_SEARCH_NODES = 1 << 21


def _cycle(g: BehaviourGraph, src, dst, lab, accept, members, entry: int):
    """A cycle from `entry` through the component meeting every condition, as the states
    after entry (ending in entry) and the label of each step. [] if staying in entry
    forever is fair and accepting. The shortest such cycle (`_shortest_cycle`) unless the
    search for it would be too large; then a walk to each condition in turn."""
    keep = members[src] & members[dst]
    inside = (src[keep], dst[keep], lab[keep])
    kinds = g.kinds
    fair = (kinds[g.label] > 0) & members[g.src]
    enabled = _distinct(g.src[fair].astype(np.int64) * len(kinds) + g.label[fair])
    en_state, en_label = enabled // len(kinds), enabled % len(kinds)
    conditions = _Conditions.of(kinds, accept, members, entry, en_state, en_label)
    if int(members.sum()) << conditions.bits <= CYCLE_SEARCH_NODES:
        return _shortest_cycle(inside, members, entry, conditions)
    return _greedy_cycle(g.states, inside, kinds, accept, members, entry, en_state, en_label)


@dataclass(frozen=True)
class _Conditions:
    """What a loop from `entry` within the component must do to be fair and accepting, as
    bits set by visiting a state or taking a step; a loop meets them iff the bits it sets
    make `met` true. Bits for what the entry state itself does are left out:
      - accept: visit an accepting state;
      - a weakly fair instance: visit a state of the component disabling it, or take it;
      - a strongly fair instance: take it, if the loop visits a state enabling it (one bit
        "enabled seen" and one "taken"; just "taken" when the entry enables it)."""
    bits: int
    state_bits: np.ndarray    # per state: the bits visiting it sets (int64)
    label_bits: np.ndarray    # per label: the bits taking a step of it sets (int64)
    met: np.ndarray           # per combination of bits: all conditions met (bool)

    @staticmethod
    def of(kinds, accept, members, entry: int, en_state, en_label) -> "_Conditions":
        state_bits = np.zeros(len(members), dtype=np.int64)
        label_bits = np.zeros(len(kinds), dtype=np.int64)
        required, implications, bit = 0, [], 0
        if not accept[entry]:
            state_bits[accept & members] |= 1 << bit
            required, bit = required | 1 << bit, bit + 1
        for label in np.unique(en_label):
            enabling = _mask(len(members), en_state[en_label == label])
            if kinds[label] == WEAK and not enabling[entry]:
                continue  # the entry disables it: met
            label_bits[label] |= 1 << bit
            if kinds[label] == WEAK:
                state_bits[members & ~enabling] |= 1 << bit
            elif not enabling[entry]:  # strong, and the loop may avoid the states enabling it
                state_bits[members & enabling] |= 1 << (bit + 1)
                implications.append((bit + 1, bit))
                bit += 2
                continue
            required, bit = required | 1 << bit, bit + 1
        masks = np.arange(1 << bit, dtype=np.int64)
        met = (masks & required) == required
        for seen, taken in implications:
            met &= ((masks >> seen) & 1) <= ((masks >> taken) & 1)
        return _Conditions(bit, state_bits, label_bits, met)


def _shortest_cycle(inside, members, entry: int, conditions: _Conditions):
    """A shortest cycle through `entry` meeting the conditions: breadth-first search over
    (state, bits set so far) from (entry, its bits), until a step returns to entry with
    every condition met. Levels are expanded as whole arrays (CSR rows)."""
    c_src, c_dst, c_lab = inside
    width = 1 << conditions.bits
    start_bits = int(conditions.state_bits[entry])
    if conditions.met[start_bits]:
        return [], []
    local = np.flatnonzero(members)  # product node: local state * width + bits
    index = np.full(len(members), -1, dtype=np.int64)
    index[local] = np.arange(len(local))
    order = np.argsort(index[c_src], kind="stable")
    e_src, e_dst, e_lab = index[c_src][order], index[c_dst][order], c_lab[order]
    e_bits = conditions.label_bits[e_lab] | conditions.state_bits[local[e_dst]]
    row = np.searchsorted(e_src, np.arange(len(local) + 1))
    goal = index[entry]
    seen = np.zeros(len(local) * width, dtype=bool)
    pred = np.full(len(local) * width, -1, dtype=np.int64)     # product node before
    via = np.full(len(local) * width, -1, dtype=np.int64)      # edge taken to get here
    frontier = np.array([goal * width + start_bits], dtype=np.int64)
    seen[frontier] = True
    while len(frontier):
        state, bits = frontier // width, frontier % width
        counts = row[state + 1] - row[state]
        parent = np.repeat(np.arange(len(frontier)), counts)
        edge = row[state][parent] + np.arange(len(parent)) - np.repeat(np.cumsum(counts) - counts, counts)
        node = e_dst[edge] * width + (bits[parent] | e_bits[edge])
        done = np.flatnonzero((e_dst[edge] == goal) & conditions.met[node % width])
        if len(done):
            k = done[0]
            return _unwind(frontier[parent[k]], edge[k], pred, via, e_dst, e_lab, local, width)
        node, first = np.unique(node, return_index=True)
        fresh = ~seen[node]
        node, first = node[fresh], first[fresh]
        seen[node] = True
        pred[node] = frontier[parent[first]]
        via[node] = edge[first]
        frontier = node
    raise AssertionError("a fair component has no fair cycle through its entry")


def _unwind(last: int, closing: int, pred, via, e_dst, e_lab, local, width: int):
    """The states after entry and the labels of the steps: the product path to `last`,
    then the edge `closing` back to entry."""
    edges = [int(closing)]
    v = int(last)
    while via[v] >= 0:
        edges.append(int(via[v]))
        v = int(pred[v])
    edges.reverse()
    return [int(local[e_dst[e]]) for e in edges], [int(e_lab[e]) for e in edges]


def _greedy_cycle(n: int, inside, kinds, accept, members, entry: int, en_state, en_label):
    """A cycle meeting the conditions by walking, along shortest paths, to an accepting
    state, to a state disabling each weakly fair instance not disabled everywhere (or a
    step of it, if it is enabled everywhere), to a step of each strongly fair instance
    enabled in the component, and back to entry. Not the shortest in general."""
    c_src, c_dst, c_lab = inside
    graph = _csr(n, c_src, c_dst)
    wanted_states: list[np.ndarray] = []   # visit one of these states
    wanted_edges: list[int] = []           # take a step of this label
    if not accept[entry]:
        wanted_states.append(np.flatnonzero(accept & members))
    for label in np.unique(en_label):
        where = en_state[en_label == label]
        if kinds[label] == WEAK and len(where) < members.sum():
            wanted_states.append(np.setdiff1d(np.flatnonzero(members), where))
        else:
            wanted_edges.append(int(label))
    path: list[int] = []
    labels: list[int | None] = []
    current = entry
    visited = {entry}
    for targets in wanted_states:
        if visited & set(targets.tolist()):
            continue
        current = _walk(graph, inside, current, lambda dist: targets[np.argmin(dist[targets])], path, labels)
        visited.update(path)
    for label in wanted_edges:
        if label in labels:
            continue
        step = np.flatnonzero(c_lab == label)
        current = _walk(graph, inside, current, lambda dist: c_src[step][np.argmin(dist[c_src[step]])],
                        path, labels)
        options = step[c_src[step] == current]
        current = int(c_dst[options[0]])
        path.append(current)
        labels.append(label)
    if not path:
        return [], []
    _walk(graph, inside, current, lambda dist: entry, path, labels)
    return path, labels


def _walk(graph: csr_matrix, edges, start: int, choose, path: list, labels: list) -> int:
    """Extend `path` by a shortest path from start to the state `choose(distances)` picks,
    and `labels` by the label of an edge (of `edges`) for each step."""
    dist, pred = shortest_path(graph, method="D", directed=True, unweighted=True, indices=start,
                               return_predecessors=True)
    goal = int(choose(dist))
    hops = []
    v = goal
    while v != start:
        hops.append(int(v))
        v = pred[v]
    hops.reverse()
    labels += [_label_of(edges, u, v) for u, v in zip([start] + hops, hops)]
    path += hops
    return goal


def _label_of(edges, u: int, v: int) -> int:
    """The label of one of `edges` (src, dst, label arrays) from u to v."""
    src, dst, lab = edges
    return int(lab[np.flatnonzero((src == u) & (dst == v))[0]])
