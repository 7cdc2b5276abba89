"""The business rules behind the KPI components, on plain facts (no database)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from backend.analytics import kpis

T0 = datetime(2026, 11, 2, 13, 0, tzinfo=timezone.utc)


def minutes(n: int) -> datetime:
    return T0 + timedelta(minutes=n)


def test_waiting_ends_when_the_window_opens_or_when_the_driver_leaves():
    window = [(minutes(30), minutes(90))]
    waited = kpis.StopFact(1, "delivered", arrived_at=minutes(10), departed_at=minutes(40), windows=window)
    assert (kpis.waiting_seconds(waited), kpis.service_seconds(waited)) == (20 * 60, 10 * 60)
    gave_up = kpis.StopFact(1, "failed", arrived_at=minutes(10), departed_at=minutes(15), windows=window)
    assert (kpis.waiting_seconds(gave_up), kpis.service_seconds(gave_up)) == (5 * 60, 0)
    # A second window still open at arrival is the one waited for; an ended one is not.
    later = [(minutes(-60), minutes(0)), (minutes(60), minutes(120))]
    assert kpis.waiting_seconds(kpis.StopFact(1, "delivered", minutes(50), minutes(70), later)) == 10 * 60


def test_on_time_includes_the_bounds_and_needs_a_delivery():
    window = [(minutes(0), minutes(60))]
    assert kpis.is_on_time(kpis.StopFact(1, "delivered", minutes(50), minutes(60), window))
    assert not kpis.is_on_time(kpis.StopFact(1, "delivered", minutes(50), minutes(61), window))
    assert not kpis.is_on_time(kpis.StopFact(1, "failed", minutes(5), minutes(6), window))


def test_each_choice_of_another_next_stop_counts_once():
    def visit(sequence, at):
        return kpis.StopFact(sequence, "delivered", arrived_at=minutes(at))
    # Plan 1-2-3-4; driven 3, 1, 2, 4: choosing 3 first leaves the plan once; then 1, 2, 4 follow it.
    assert kpis.out_of_sequence_count([visit(1, 20), visit(2, 30), visit(3, 10), visit(4, 40)]) == (4, 1)
    # Driven 4, 3, 2, 1: three choices away from the plan; the last stop is the only one left.
    assert kpis.out_of_sequence_count([visit(1, 40), visit(2, 30), visit(3, 20), visit(4, 10)]) == (4, 3)
    unvisited = kpis.StopFact(5, None)
    assert kpis.out_of_sequence_count([visit(1, 10), unvisited]) == (1, 0)


def test_the_p90_is_the_nearest_rank_at_minute_resolution():
    stops = [kpis.StopFact(i, "delivered", arrived_at=minutes(100), departed_at=minutes(101),
                           eta_events=[(minutes(0), minutes(100) + timedelta(seconds=error))])
             for i, error in enumerate([30, 60, 61, 200, 290, 300, 310, 420, 500, 1000])]
    totals = kpis.sum_rows([kpis.route_day_components(kpis.RouteFact(None, None), stops)])
    values = kpis.compute_all(totals)
    assert values["eta_mae_s_60"] == round(sum([30, 60, 61, 200, 290, 300, 310, 420, 500, 1000]) / 10)
    # Rank ceil(0.9 x 10) = 9: the 9th smallest error is 500 s, rounded up to 9 minutes.
    assert values["eta_p90_s_60"] == 540


def test_kpis_of_two_days_are_the_kpis_of_their_summed_components():
    window = [(minutes(0), minutes(60))]
    day_one = kpis.route_day_components(kpis.RouteFact(minutes(0), minutes(120), planned_distance_m=10_000),
                                        [kpis.StopFact(1, "delivered", minutes(10), minutes(12), window)])
    day_two = kpis.route_day_components(kpis.RouteFact(minutes(0), minutes(60), planned_distance_m=4_000),
                                        [kpis.StopFact(1, "delivered", minutes(70), minutes(75), window),
                                         kpis.StopFact(2, "failed", minutes(80), minutes(81), reason="refused")])
    both = kpis.compute_all(kpis.sum_rows([day_one, day_two]))
    assert both["on_time_rate"] == 0.5                  # 1 of 2 windowed deliveries
    assert both["stops_per_route_hour"] == 1.0          # 3 attempts over 3 h, not the mean of 0.5 and 2
    assert both["distance_m_per_stop"] == round(14_000 / 3)
    assert kpis.compute_all(kpis.empty_totals())["on_time_rate"] is None   # nothing to measure is not 0 %
