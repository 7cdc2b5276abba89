"""Gehring–Homberger VRPTW (200 and 400 customers): ours vs pyvroom vs PyVRP, side by side, per class.

The same convention as solomon.py (Euclidean distances in double precision are travel time
and cost, x 1000 into integers with travel times rounded up, every plan re-checked in double
precision by checker.py), the fleet of the original instances (50 vans for 200 customers,
100 for 400) and the input VROOM's clients send: a fixed cost per vehicle larger than any
distance saving, default objective, for ours and pyvroom alike (``--objective
vehicles_then_distance`` gives ours the special objective instead).

Equal footing on the machine's two cores: ours and pyvroom (2 threads, exploration 5) get
the same time limit; PyVRP gets the same CPU: two seeds side by side for that time, the
better plan kept.  The solvers run one after the other on each instance, so a busy machine
weighs on all of them alike (compare within a run).

    python benchmarks/routing/homberger.py [--time-limit 30] [--sizes 200,400] \\
        [--per-class 1 | --instances C1_2_1,R2_4_3] [--solvers ours,pyvroom,pyvrp] [--out results.md]
"""

from __future__ import annotations

import argparse
import csv
import os
import re
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, ROOT)

from benchmarks.routing.checker import check_solomon, read_homberger  # noqa: E402
from benchmarks.routing.solomon import SOLVERS, load_average, machine_info, to_vroom  # noqa: E402

DATA_DIR = os.path.join(ROOT, "..", "shared", "benchmarks", "homberger")
CLASSES = ("C1", "C2", "R1", "R2", "RC1", "RC2")
FLEET = {200: 50, 400: 100}  # the original instances' vehicle count


def instance_files(data: str) -> dict:
    """name -> path, for every instance file present."""
    out = {}
    for size in ("200", "400"):
        folder = os.path.join(data, size)
        if not os.path.isdir(folder):
            continue
        for fname in os.listdir(folder):
            if fname.endswith(".vrptw"):
                out[fname.split(".")[0]] = os.path.join(folder, fname)
    return out


def class_of(name: str) -> str:
    return name.split("_")[0]


def size_of(name: str) -> int:
    return int(name.split("_")[1]) * 100


def pick(files: dict, sizes: list, per_class: int) -> list:
    """The first ``per_class`` instances (by number) of each class and size."""
    names = []
    for size in sizes:
        for cls in CLASSES:
            members = [n for n in files if class_of(n) == cls and size_of(n) == size]
            members.sort(key=lambda n: int(re.split(r"_", n)[-1]))
            names += members[:per_class]
    return names


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--time-limit", type=float, default=30.0)
    ap.add_argument("--sizes", default="200,400")
    ap.add_argument("--per-class", type=int, default=1, help="instances per class and size (10: all)")
    ap.add_argument("--instances", default="", help="comma-separated names (overrides --sizes/--per-class)")
    ap.add_argument("--solvers", default="ours,pyvroom,pyvrp")
    ap.add_argument("--objective", default="cost", choices=["cost", "vehicles_then_distance"],
                    help="ours: VROOM's input (cost: fixed cost per vehicle) or the special objective")
    ap.add_argument("--pyvrp-seeds", type=int, default=2)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--data", default=DATA_DIR)
    ap.add_argument("--out", default=None, help="write the markdown tables here")
    args = ap.parse_args(argv)
    files = instance_files(args.data)
    bks = {}
    with open(os.path.join(args.data, "bks.csv")) as f:
        for row in csv.DictReader(f):
            bks[row["instance"]] = (int(row["vehicles"]), float(row["distance"]))
    names = ([x.strip() for x in args.instances.split(",") if x.strip()]
             or pick(files, [int(s) for s in args.sizes.split(",") if s.strip()], args.per_class))
    solvers = [s.strip() for s in args.solvers.split(",") if s.strip()]
    options = {"ours": {"fixed_cost": args.objective == "cost"}, "pyvrp": {"seeds": args.pyvrp_seeds}}
    header = (f"Gehring–Homberger VRPTW, {args.time_limit:g} s per instance per solver (PyVRP: "
              f"{args.pyvrp_seeds} seeds side by side); ours: {args.objective}. Machine: {machine_info()}; "
              f"load average at the start {load_average()}")
    print(header, flush=True)
    if "ours" in solvers:
        import backend.routing  # noqa: F401  (imported before the clock runs: not part of the first instance's time)
    rows, results = [], {s: [] for s in solvers}
    for name in names:
        inst = read_homberger(files[name], vehicles=FLEET[size_of(name)])
        problem = to_vroom(inst)
        bv, bd = bks[name]
        cells = [name, str(bv), f"{bd:.2f}"]
        for s in solvers:
            t0 = time.monotonic()
            try:
                routes, _ = SOLVERS[s](problem, args.time_limit, args.seed, **options.get(s, {}))
                secs = time.monotonic() - t0
                errs, nveh, dist = check_solomon(inst, routes)
            except Exception as exc:  # a crashing peer must not stop the table
                secs, errs, nveh, dist = time.monotonic() - t0, [f"{type(exc).__name__}: {exc}"], 0, 0.0
            if errs:
                cells += ["INFEASIBLE", "-", "-", f"{secs:.1f}"]
                print(f"  {name} {s}: infeasible: {errs[:3]}", file=sys.stderr, flush=True)
                results[s].append((name, None, None))
            else:
                gap = 100.0 * (dist - bd) / bd
                cells += [str(nveh), f"{dist:.2f}", f"{gap:+.2f}", f"{secs:.1f}"]
                results[s].append((name, nveh, gap))
        rows.append(cells)
        print(" | ".join(cells) + f"  (load {load_average()})", flush=True)

    lines = [header, ""]
    head = ["instance", "BKS veh", "BKS dist"]
    for s in solvers:
        head += [f"{s} veh", f"{s} dist", f"{s} gap %", f"{s} s"]
    lines += ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    lines += ["", "Per class (vehicles summed over the class's instances; distance gap "
              "to the BKS distance averaged):", ""]
    chead = ["class", "instances", "BKS veh"] + [f"{s} veh" for s in solvers] + [f"{s} gap %" for s in solvers]
    lines += ["| " + " | ".join(chead) + " |", "|" + "---|" * len(chead)]
    summary = [line for line in lines]
    for size in sorted({size_of(n) for n in names}):
        for cls in CLASSES:
            members = [n for n in names if class_of(n) == cls and size_of(n) == size]
            if not members:
                continue
            cells = [f"{cls} ({size})", str(len(members)), str(sum(bks[n][0] for n in members))]
            gaps = []
            for s in solvers:
                got = [r for r in results[s] if r[0] in members]
                if any(r[1] is None for r in got):
                    cells.append("failed")
                    gaps.append("-")
                    continue
                cells.append(str(sum(r[1] for r in got)))
                gaps.append(f"{sum(r[2] for r in got) / len(got):+.2f}")
            lines.append("| " + " | ".join(cells + gaps) + " |")
    print("\n".join(lines[len(summary) - 4:]), flush=True)
    if args.out:
        with open(args.out, "w") as f:
            f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
