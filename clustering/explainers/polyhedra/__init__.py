"""Polyhedral cluster descriptions by integer programming with column generation (Lawless & Günlük 2023).

Each cluster k is described by a polyhedron: a few half-spaces a.z <= b with small integer weights
on features scaled to [0, 1] (z), chosen so that the cluster's points lie inside and every other
cluster's points are cut off by at least one of them. The master problem picks half-spaces:

    min   sum_h cost_h y_h                        (cost = non-zeros + 1: "low complexity")
    s.t.  sum_{h of k cutting u} y_h + e_u >= 1    for every cluster k and unit u outside k
          e_u >= y_h                               for every h of k and unit u of k that h leaves out
          sum_u w_u e_u <= alpha N                 (error budget), y, e binary

Column generation: solve the LP relaxation over the columns so far, price new half-spaces per
cluster on its duals (an exact sweep for one-feature cuts, a small MIP for sparse multi-feature
ones), add those with negative reduced cost, repeat; then solve the master as an integer program.
Initial columns come from a CART tree, axis-aligned bounding cuts and the IMM tree's leaves (so at the
tree's complexity the description is never less accurate than the tree). Other objectives: "sparsity"
(fewest features used) and "accuracy" (fewest errors within a complexity budget, for comparing with
a tree of equal complexity).

For large n the grouping scheme: points are gathered into small groups of nearby points of one
cluster, each treated as its bounding box (a box is cut only if all of it is cut, kept only if all
of it is kept); groups the description gets partly wrong are split and the problem solved again.
Solver: HiGHS through scipy.optimize (linprog for the LPs and their duals, milp for the MIPs), each
call bounded by what is left of the user's time limit; the best description found so far is kept.
"""

from clustering.explainers.polyhedra.master import Master
from clustering.explainers.polyhedra.model import (
    HalfSpace,
    PolyhedraResult,
    Units,
    cuts,
    leaves_out,
    make_units,
    polygon_2d,
    scale,
    split_units,
)
from clustering.explainers.polyhedra.search import describe, local_search

__all__ = [
    "HalfSpace",
    "Master",
    "PolyhedraResult",
    "Units",
    "cuts",
    "describe",
    "leaves_out",
    "local_search",
    "make_units",
    "polygon_2d",
    "scale",
    "split_units",
]
