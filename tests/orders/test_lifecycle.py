"""The order lifecycle: every legal move is taken and logged, every illegal one is a 409."""
import itertools

import pytest
from sqlalchemy import select

from backend.errors import Conflict, InvalidInput
from backend.orders import lifecycle
from backend.orders.enums import ActorType, FailureReason, OrderStatus as S
from tests.support import order_payload
from tests.support import commit

LEGAL = {
    (S.created, S.planned), (S.created, S.cancelled),
    (S.planned, S.dispatched), (S.planned, S.created), (S.planned, S.cancelled),
    (S.dispatched, S.out_for_delivery), (S.dispatched, S.planned), (S.dispatched, S.created),
    (S.dispatched, S.cancelled),
    (S.out_for_delivery, S.arrived), (S.out_for_delivery, S.failed), (S.out_for_delivery, S.cancelled),
    (S.arrived, S.delivered), (S.arrived, S.failed), (S.arrived, S.cancelled),
    (S.failed, S.rescheduled), (S.failed, S.cancelled),
    (S.rescheduled, S.planned), (S.rescheduled, S.cancelled),
}
ALL_PAIRS = list(itertools.product(list(S), list(S)))


def test_the_table_is_the_documented_lifecycle():
    table = {(a, b) for a, targets in lifecycle.TRANSITIONS.items() for b in targets}
    assert table == LEGAL
    assert lifecycle.TERMINAL == {S.delivered, S.cancelled}


@pytest.fixture
def order_id(app, dispatcher):
    return dispatcher.post("/api/v1/orders", json=order_payload()).get_json()["id"]


@pytest.mark.sqlite_only
@pytest.mark.parametrize("current,target", ALL_PAIRS, ids=[f"{a.value}->{b.value}" for a, b in ALL_PAIRS])
def test_every_transition(app, order_id, current, target):
    from backend.extensions import db
    from backend.orders.models import Order, OrderEvent

    with app.app_context():
        order = db.session.get(Order, order_id)
        order.status = current
        commit()
        before = db.session.scalar(select(db.func.count()).select_from(OrderEvent))
        reason = FailureReason.not_home if target is S.failed else None
        if (current, target) in LEGAL:
            event = lifecycle.transition(order, target, actor_type=ActorType.system, reason=reason)
            commit()
            assert db.session.get(Order, order_id).status is target
            assert (event.from_status, event.to_status) == (current.value, target.value)
            assert db.session.scalar(select(db.func.count()).select_from(OrderEvent)) == before + 1
        else:
            with pytest.raises(Conflict) as caught:
                lifecycle.transition(order, target, actor_type=ActorType.system, reason=reason)
            assert caught.value.code == "illegal_transition"
            assert current.value in caught.value.message and target.value in caught.value.message
            db.session.rollback()
            assert db.session.get(Order, order_id).status is current
            assert db.session.scalar(select(db.func.count()).select_from(OrderEvent)) == before


def test_failure_needs_a_reason(app, order_id):
    from backend.extensions import db
    from backend.orders.models import Order

    with app.app_context():
        order = db.session.get(Order, order_id)
        order.status = S.arrived
        with pytest.raises(InvalidInput):
            lifecycle.transition(order, S.failed, actor_type=ActorType.system)


def test_cancel_through_the_api_logs_the_event_and_a_second_cancel_is_409(dispatcher, order_id):
    cancelled = dispatcher.post(f"/api/v1/orders/{order_id}/cancel", json={"reason": "customer called"})
    assert cancelled.status_code == 200
    assert cancelled.get_json()["status"] == "cancelled"
    again = dispatcher.post(f"/api/v1/orders/{order_id}/cancel", json={})
    assert again.status_code == 409
    error = again.get_json()["error"]
    assert error["code"] == "illegal_transition" and "cancelled" in error["message"]
    events = dispatcher.get(f"/api/v1/orders/{order_id}/events").get_json()
    assert [e["type"] for e in events] == ["created", "status"]
    assert events[1]["to_status"] == "cancelled" and events[1]["details"]["note"] == "customer called"
    assert events[1]["actor_type"] == "user"


def test_reschedule_only_after_a_failure(dispatcher, order_id):
    response = dispatcher.post(f"/api/v1/orders/{order_id}/reschedule")
    assert response.status_code == 409
    assert response.get_json()["error"]["fields"] == {}
