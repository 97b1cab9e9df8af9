"""The error that refuses a request (or one profile of it)."""

from __future__ import annotations

OLD_AGENT_HINT = (
    "this looks like an agent speaking proto v1.9 or older (Sample fields were renumbered "
    "in v1.10); update the agent or use a devfiler that matches it"
)


class InvalidRequestError(ValueError):
    """The request cannot be read; the message names the table or field, the index and why.

    The server answers it with INVALID_ARGUMENT and stores nothing.
    """


class RequestLimitError(InvalidRequestError):
    """The request is readable but larger than a limit allows; the message names the limit.

    The server answers it with RESOURCE_EXHAUSTED and stores nothing. Checked
    before the memory the request would take is spent.
    """
