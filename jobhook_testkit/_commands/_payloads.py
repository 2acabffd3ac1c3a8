"""Delivering a JSON value read from a file (``send --payload``, ``replay``) as written."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from jobhook_testkit.delivery import Delivery
    from jobhook_testkit.sender import FakeSender


def deliver_value(sender: FakeSender, value: Any) -> Delivery:
    """Send ``value``: an object as a job report, anything else as its compact JSON text.

    Text that JSON can carry but UTF-8 cannot (a lone surrogate, written ``\\ud800`` in
    the file) goes out as ASCII escapes, as it must have arrived. A value that is not an
    object is sent as it is: a receiver must cope with it too.
    """
    if isinstance(value, Mapping):
        try:
            return sender.deliver(value)
        except UnicodeEncodeError:
            return sender.deliver(value, encoding="ascii")
    try:
        body = json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    except UnicodeEncodeError:
        body = json.dumps(value, separators=(",", ":")).encode("ascii")
    return sender.deliver(body=body)
