"""Driver breaks in the OR-Tools model (a step of :class:`ortools_engine.OrToolsModel`'s build).

VROOM's rules, which OR-Tools alone would not enforce: a break falls within the shift
and the route, never in the middle of a drive, never between a stop's setup and its
service.
"""

from __future__ import annotations

import numpy as np


def add_breaks(engine) -> None:
    """Driver breaks as interval variables, with VROOM's rules.

    * A break never overlaps a stop's visit (setup + service, see `offset`).
    * OR-Tools lets a break fall before a vehicle's start or after its end;
      VROOM does not (the driver breaks during the shift): a used vehicle's
      breaks start at or after its shift start and end by its route's end.
    * OR-Tools lets a break interrupt a drive (drive, break, drive on); in
      VROOM the van breaks where it is: before leaving i (the break ends by
      i's visit end + slack, i.e. the departure) or on arrival (it starts
      after i's visit end + the drive, i.e. cumul(i) + fixed transit).  A
      break elsewhere in the route satisfies one of the two anyway, so each
      node gets the disjunction for its vehicle's break (an Element on
      VehicleVar).  Only drives longer than the break's window can tell the
      two rules apart, so nodes without such a drive are left out.
    """
    model, routing, manager, time_dim = engine.model, engine.routing, engine.manager, engine.time_dim
    off, horizon, T, V = engine.offset, engine.horizon, engine.T, engine.V
    solver, node_loc = routing.solver(), engine.node_loc
    for r in engine.ranks:
        visit = engine.setup[r] + engine.service[r]
        for node in range(T):
            engine.node_visit[r][manager.NodeToIndex(node)] = int(visit[node])
    # the guard below reads one visit per node: the shortest, so "before leaving" stays strict
    shortest_visit = [min(engine.node_visit[r][i] for r in engine.ranks) for i in range(routing.Size())]
    n_slots = max(len(model.vehicles[v].breaks) for v in engine.vehicle_ids)
    starts = [[None] * V for _ in range(n_slots)]
    ends = [[None] * V for _ in range(n_slots)]
    spans = [[] for _ in range(n_slots)]
    for k, v in enumerate(engine.vehicle_ids):
        veh = model.vehicles[v]
        if not veh.breaks:
            continue
        intervals = []
        tw0 = veh.time_window[0]
        active = routing.ActiveVehicleVar(k)
        end_cumul = time_dim.CumulVar(routing.End(k))
        for bi, b in enumerate(veh.breaks):
            lo = min(max(b.time_windows[0][0], tw0) + off, horizon)
            hi = max(lo, min(b.time_windows[-1][1] + off, horizon))
            iv = solver.FixedDurationIntervalVar(lo, hi, b.service, False, f"break {veh.id}/{b.id}")
            intervals.append(iv)
            engine.break_intervals.setdefault(k, []).append((bi, iv))
            solver.Add(iv.EndExpr() <= end_cumul + (1 - active) * (horizon + b.service))
            starts[bi][k] = iv.StartExpr().Var()
            ends[bi][k] = iv.EndExpr().Var()
            spans[bi].append(hi - lo)
        time_dim.SetBreakIntervalsOfVehicle(intervals, k, engine.node_visit[veh.type_rank])

    # no break in the middle of a drive
    longest_out = np.zeros(len(node_loc), dtype=np.int64)
    for travel in engine.travel_by_class.values():
        longest_out = np.maximum(longest_out, travel.max(axis=1) if travel.size else 0)
    zero = solver.IntConst(0)  # a vehicle without this break: "ends at 0" always holds

    def guard(index, start, end):
        before = solver.IsLessOrEqualVar(end, time_dim.CumulVar(index) + shortest_visit[index] + time_dim.SlackVar(index))
        after = solver.IsGreaterOrEqualVar(start, time_dim.CumulVar(index) + time_dim.FixedTransitVar(index))
        solver.Add(before + after >= 1)

    for b in range(n_slots):
        min_span = min(spans[b])
        for k in range(V):
            if starts[b][k] is not None and longest_out[T + k] > min_span:
                guard(routing.Start(k), starts[b][k], ends[b][k])
        by_vehicle_start = [zero] + [x if x is not None else zero for x in starts[b]]
        by_vehicle_end = [zero] + [x if x is not None else zero for x in ends[b]]
        for node in range(T):
            if longest_out[node] <= min_span:
                continue
            index = manager.NodeToIndex(node)
            which = routing.VehicleVar(index) + 1  # 0: not visited
            guard(index, solver.Element(by_vehicle_start, which), solver.Element(by_vehicle_end, which))
