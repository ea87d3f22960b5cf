"""Text that can leave the process: Python strings may hold lone surrogates (from a JSON
``"\\ud800"`` escape, or from undecodable bytes in a command line or file name), which UTF-8,
the databases and JSON writers refuse. One test, used wherever text is checked or written."""

from __future__ import annotations


def is_utf8(text: str) -> bool:
    """Whether ``text`` has a UTF-8 form (holds no lone surrogate)."""
    if text.isascii():
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
