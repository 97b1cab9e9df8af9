"""The collector's requests as the gRPC tab shows them: the request log with each
record's outcome and payload tree, and the forwarders' counters.

The window names these through here, so that ui/ needs no import of collector/.
"""

from __future__ import annotations

from devfiler.collector.forward import Forwarder
from devfiler.collector.request_log import Outcome, RequestLog, RequestRecord, payload_tree

__all__ = ["Forwarder", "Outcome", "RequestLog", "RequestRecord", "payload_tree"]
