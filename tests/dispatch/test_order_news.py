"""Which order edits are news to the driver who will deliver the order (backend/dispatch/order_news.py)."""
from types import SimpleNamespace

from backend.dispatch.order_news import _change_for
from backend.orders.enums import ActorType


def event(type_, actor=ActorType.user, **details):
    """What _change_for reads of an OrderEvent."""
    return SimpleNamespace(type=type_, actor_type=actor, details=details)


def test_instructions_and_fields_the_driver_sees_are_news_others_are_not():
    assert _change_for(None, event("instructions_updated", ActorType.customer)) == {"kind": "instructions",
                                                                                   "by": "customer"}
    assert _change_for(None, event("updated", fields=["delivery_instructions"])) == {"kind": "instructions",
                                                                                    "by": "dispatch"}
    assert _change_for(None, event("updated", fields=["notes", "priority"])) == {"kind": "updated", "by": "dispatch"}
    assert _change_for(None, event("updated", fields=["priority", "weight_kg"])) is None
    assert _change_for(None, event("pin_corrected")) is None
