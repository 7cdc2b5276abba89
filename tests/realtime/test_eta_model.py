from backend.dispatch.eta_model import PACE_BOUNDS, pace_factor, traffic_option


def test_no_evidence_means_the_plan():
    assert pace_factor([]) == 1.0
    assert traffic_option(1.0) is True


def test_pace_is_shrunk_toward_the_plan_early_and_trusted_later():
    slow_leg = [(600, 900)]  # 50 % slower than planned
    assert 1.0 < pace_factor(slow_leg) < 1.2
    assert abs(pace_factor(slow_leg * 30) - (1 + 0.5 * 30 / 33)) < 1e-9


def test_pace_is_bounded():
    assert pace_factor([(600, 6000)] * 50) == PACE_BOUNDS[1]
    assert pace_factor([(600, 10)] * 50) == PACE_BOUNDS[0]


def test_traffic_option_scales_every_hour():
    option = traffic_option(1.2)
    assert len(option["hourly_factors"]) == 24 and option["hourly_factors"][3] == round(0.8 * 1.2, 4)
