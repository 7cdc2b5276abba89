import enum


class OrderType(str, enum.Enum):
    """What the driver does for an order: which ends it has (see Order)."""

    delivery = "delivery"                # from the depot to the customer's address
    return_ = "return"                   # collected at the customer's address, brought back to the depot
    pickup_delivery = "pickup_delivery"  # collected at one address, delivered to another, on the same route


class StopKind(str, enum.Enum):
    pickup = "pickup"
    delivery = "delivery"


class OrderStatus(str, enum.Enum):
    created = "created"
    planned = "planned"
    dispatched = "dispatched"
    out_for_delivery = "out_for_delivery"
    arrived = "arrived"
    delivered = "delivered"
    failed = "failed"
    rescheduled = "rescheduled"
    cancelled = "cancelled"


class FailureReason(str, enum.Enum):
    not_home = "not_home"
    refused = "refused"
    damaged = "damaged"
    wrong_address = "wrong_address"
    no_access = "no_access"
    other = "other"


class ActorType(str, enum.Enum):
    user = "user"
    api_key = "api_key"
    system = "system"
    customer = "customer"


class GeocodeSource(str, enum.Enum):
    given = "given"
    geocoder = "geocoder"
    corrected = "corrected"
