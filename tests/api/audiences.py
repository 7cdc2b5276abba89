"""What each audience may receive about a route: pinned here, so adding a field to a driver's view is a choice."""

DRIVER_ROUTE_KEYS = {"id", "date", "status", "version", "depot", "vehicle", "driver", "planned_start_at",
                     "planned_end_at", "planned_distance_m", "planned_duration_s", "started_at", "completed_at",
                     "on_break", "stops"}
DRIVER_STOP_KEYS = {"id", "route_id", "sequence", "kind", "status", "planned_arrival_at", "planned_departure_at", "eta_at",
                    "actual_arrival_at", "actual_departure_at", "order"}
DRIVER_ORDER_KEYS = {"id", "external_ref", "type", "status", "address", "lat", "lon", "time_windows", "service_time_s",
                     "parcel_count", "parcels", "notes", "delivery_instructions", "recipient", "cod_amount_cents",
                     "requires_id_check", "min_age", "weight_kg"}
STAFF_ONLY_ROUTE_KEYS = {"summary", "published_at"}
STAFF_ONLY_ORDER_KEYS = {"depot_id", "delivery_date", "volume_l", "priority", "required_skills", "failure_reason"}
NEVER_TO_A_DRIVER = ("tracking_token", "cost", "email", "summary", "priority", "required_skills")


def assert_driver_view(route: dict) -> None:
    """A driver's route: their stops and what is needed at each door, nothing planning or money related."""
    assert set(route) == DRIVER_ROUTE_KEYS, set(route) ^ DRIVER_ROUTE_KEYS
    assert set(route["driver"]) == {"id", "name"}
    for stop in route["stops"]:
        assert set(stop) == DRIVER_STOP_KEYS
        assert set(stop["order"]) == DRIVER_ORDER_KEYS
        assert set(stop["order"]["recipient"] or {}) <= {"name", "phone"}
    text = repr(route)
    for word in NEVER_TO_A_DRIVER:
        assert word not in text, word


def assert_staff_view(route: dict) -> None:
    assert STAFF_ONLY_ROUTE_KEYS | DRIVER_ROUTE_KEYS == set(route), set(route) ^ (STAFF_ONLY_ROUTE_KEYS | DRIVER_ROUTE_KEYS)
    assert {"id", "name", "phone"} == set(route["driver"] or {"id": 0, "name": "", "phone": ""})
    assert "planned_cost_cents" in route["summary"]
    for stop in route["stops"]:
        assert set(stop["order"]) == DRIVER_ORDER_KEYS | STAFF_ONLY_ORDER_KEYS
