"""Calls that build a lazy result whose iteration does the I/O: a PyMongo cursor
(``collection.find(...)``, ``.sort(...)``) runs its query when it is iterated, a SQLAlchemy
``Query`` (``session.query(User).filter(...)``) when it is. The call alone waits on nothing, so
these match only where the result is iterated where it is made, or through the name it is bound
to (``CallSite.iterated``: ``for doc in users.find({})``, ``list(cursor)``).
"""

from __future__ import annotations

from dataclasses import replace

from fastapi_lint.analysis.catalog.blocking import ENTRIES, Entry, methods

# Each lazy call, with a call of the same driver whose entry says what to use instead, and why
# it waits: where the result is iterated, which may be a few lines below the call.
_WHY = {
    "pymongo.collection.Collection.find_one": "builds a cursor that queries MongoDB with the synchronous driver "
                                              "as it is iterated",
    "sqlalchemy.orm.Query.all": "builds a query that runs SQL through a synchronous SQLAlchemy session as its "
                                "result is iterated",
}
_LAZY: dict[str, tuple[str, ...]] = {
    "pymongo.collection.Collection.find_one": (
        "pymongo.collection.Collection.find", "pymongo.collection.Collection.find_raw_batches",
        *methods("pymongo.cursor.Cursor", "sort limit skip batch_size hint where max_time_ms collation comment"),
    ),
    "sqlalchemy.orm.Query.all": (
        "sqlalchemy.orm.Session.query", "sqlalchemy.orm.scoped_session.query",
        *methods("sqlalchemy.orm.Query", "filter filter_by order_by join outerjoin options limit offset where "
                 "group_by having distinct"),
    ),
}


def _entries() -> dict[str, Entry]:
    by_pattern = {entry.pattern: entry for entry in ENTRIES}
    return {lazy: replace(by_pattern[model], pattern=lazy, why=_WHY[model]) for model, paths in _LAZY.items() for lazy in paths}


ITERATED_ENTRIES: dict[str, Entry] = _entries()
