"""One assertion for the project's error rule: a ValueError/TypeError raised before any work, whose
message names the argument (and, where asked, repeats the value given), with no warning on the way.
"""

import re
import warnings

import pytest


def names(message: str, name: str) -> bool:
    """True if ``name`` appears in ``message`` as a whole name (``r`` in "r=0" but not in "error")."""
    return re.search(rf"(?<![A-Za-z0-9_]){re.escape(name)}(?![A-Za-z0-9_])", message) is not None


def raises(exc, call, *args: str, given: str | None = None) -> str:
    """Assert that ``call()`` raises ``exc`` (a type or a tuple of types) naming every one of ``args``.

    ``given``, if set, must appear in the message too (the value the caller gave). Any warning
    emitted on the way is turned into an error, so a test that passes saw none. Returns the message.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(exc) as info:
            call()
    message = str(info.value)
    for arg in args:
        assert names(message, arg), f"the message does not name {arg!r}: {message}"
    if given is not None:
        assert given in message, f"the message does not repeat the value {given!r}: {message}"
    return message
