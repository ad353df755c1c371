"""Response classes FastAPI deprecated: what FAS502 reports and its fix replaces."""

from __future__ import annotations

DEPRECATED = frozenset(
    {
        "fastapi.responses.ORJSONResponse",
        "fastapi.responses.UJSONResponse",
        "fastapi.ORJSONResponse",
        "fastapi.UJSONResponse",
    }
)

# The release that marked both classes deprecated (fastapi/responses.py, PR #14964).
DEPRECATED_IN = "0.131.0"
