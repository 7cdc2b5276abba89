"""Errors raised by the route optimizer, carrying VROOM's error codes."""

INTERNAL_ERROR = 1
INPUT_ERROR = 2
ROUTING_ERROR = 3


class RoutingError(Exception):
    """A problem the optimizer cannot work on.

    ``code`` follows VROOM: 2 for malformed or contradictory input, 3 when the
    travel matrices cannot be obtained (e.g. the OSRM server fails).
    """

    def __init__(self, message: str, code: int = INPUT_ERROR):
        super().__init__(message)
        self.code = code
        self.message = message

    def to_output(self) -> dict:
        """The VROOM-shaped output of a failed solve."""
        return {"code": self.code, "error": self.message}


def refuse(msg: str):
    """Refuse malformed input (VROOM's input error)."""
    raise RoutingError(msg)
