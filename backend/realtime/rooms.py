"""Every Socket.IO room name, in one place. Who may join which room is decided in namespaces.py."""


def dispatch(org_id: int) -> str:
    return f"dispatch:{org_id}"


def admins(org_id: int) -> str:
    """The organization's admins (also in dispatch:<org>): security alerts such as a locked login."""
    return f"admins:{org_id}"


def driver(driver_id: int) -> str:
    return f"driver:{driver_id}"


def route(route_id: int) -> str:
    return f"route:{route_id}"


def tracking(token: str) -> str:
    return f"track:{token}"
