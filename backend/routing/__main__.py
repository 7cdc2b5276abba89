"""Command line: ``python -m backend.routing solve problem.json [--time-limit S] [--seed N] [--objective O] > solution.json``.

Also ``evaluate problem.json`` (plan mode).  ``-`` reads the problem from stdin.
Progress goes to stderr; on an error the VROOM error object is printed and the
exit status is the VROOM error code (2 input, 3 routing, 1 internal).
"""

from __future__ import annotations

import argparse
import json
import sys

from . import evaluate, solve
from .errors import INPUT_ERROR, RoutingError
from .problem import OBJECTIVES


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m backend.routing", description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["solve", "evaluate"])
    parser.add_argument("problem", help="VROOM problem JSON file, or - for stdin")
    parser.add_argument("--time-limit", type=float, default=None, help="seconds to search (solve)")
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--objective", choices=OBJECTIVES, default=None)
    args = parser.parse_args(argv)
    try:
        try:
            text = sys.stdin.read() if args.problem == "-" else open(args.problem, encoding="utf-8").read()
            problem = json.loads(text)
        except (OSError, ValueError) as exc:
            raise RoutingError(f"cannot read problem: {exc}", INPUT_ERROR) from exc
        if args.command == "solve":
            def progress(p):
                print(f"progress: best cost {p['best_cost']} after {p['elapsed_s']:.1f}s ({p['fraction']:.0%})", file=sys.stderr, flush=True)
            result = solve(problem, time_limit=args.time_limit, seed=args.seed, objective=args.objective, on_progress=progress)
        else:
            result = evaluate(problem)
    except RoutingError as exc:
        json.dump(exc.to_output(), sys.stdout)
        sys.stdout.write("\n")
        print(f"error: {exc.message}", file=sys.stderr)
        return exc.code
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")
    s = result["summary"]
    print(f"done: {s['routes']} routes, cost {s['cost']}, {s['unassigned']} unassigned", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
