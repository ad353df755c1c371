"""A file name that is not UTF-8, in a report a person or a validating consumer reads (see ``reporters``)."""

from __future__ import annotations

import re

# Python keeps a character beyond the BMP as one code point: any surrogate in a str is lone.
_SURROGATE = re.compile("[\ud800-\udfff]")


def valid_text(text: str) -> str:
    """``text`` with each lone surrogate (a byte of a file name that is not UTF-8) made U+FFFD."""
    return text if text.isascii() else _SURROGATE.sub("\ufffd", text)
