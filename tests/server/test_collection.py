"""The long-lived processes' collection policy (``api/collection.py``)."""

from __future__ import annotations

import gc

from fastapi_lint.api.collection import after_a_check, keep_out_of_collection


def test_what_the_first_check_after_a_read_linked_leaves_the_scans() -> None:
    """The project the first check after a read linked is frozen with it, so the quiet
    collections after do not scan it again; a later check's objects are not."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        keep_out_of_collection()  # a project was read
        frozen = gc.get_freeze_count()
        linked = [[index] for index in range(1000)]  # what the first check links
        after_a_check()
        after_first = gc.get_freeze_count()
        assert after_first >= frozen + len(linked)
        later = [[index] for index in range(1000)]  # what a later check leaves
        after_a_check()
        assert gc.get_freeze_count() == after_first
        assert later and linked
    finally:
        gc.unfreeze()
        if was_enabled:
            gc.enable()
