"""run/relocation.py: what an edit changed of a module's facts."""

from __future__ import annotations

from pathlib import Path

import pytest

from fastapi_lint.analysis.extract import summarize_file
from fastapi_lint.analysis.facts import ModuleSummary
from fastapi_lint.run.relocation import same_for_resolution

BEFORE = '''\
import time

from app.clients import Client


class Service:
    def __init__(self) -> None:
        self.client = Client()

    def fetch(self, key: str) -> str:
        return self.client.get(key)


def helper() -> None:
    time.sleep(1)
'''


def facts(tmp_path: Path, text: str) -> ModuleSummary:
    found = summarize_file(tmp_path / "service.py", "app/service.py", data=text.encode())
    assert isinstance(found, ModuleSummary)
    return found


@pytest.mark.parametrize("edited", [
    BEFORE.replace("    time.sleep(1)\n", "    time.sleep(1)\n    time.sleep(2)\n"),  # a call more
    BEFORE.replace("    time.sleep(1)\n", "    from app.slow import block\n    block()\n"),  # an import in the body
    BEFORE.replace("    time.sleep(1)\n", "    if time.time() > 0:\n        time.sleep(1)\n"),  # a branch
    "# moved down\n\n" + BEFORE.replace("    time.sleep(1)\n", "    pass\n"),  # the call gone, every line moved
])
def test_an_edit_of_what_a_body_does_says_the_same_to_name_resolution(tmp_path: Path, edited: str) -> None:
    assert same_for_resolution(facts(tmp_path, BEFORE), facts(tmp_path, edited))


@pytest.mark.parametrize("edited", [
    BEFORE.replace("return self.client.get(key)", "return Client()"),  # what it returns
    BEFORE.replace("self.client = Client()", "self.client = None"),  # what an attribute holds
    BEFORE.replace("def helper() -> None:", "def helper(x: int) -> None:"),  # what it takes
    BEFORE.replace("def helper()", "async def helper()"),
    BEFORE + "\n\ndef another() -> None:\n    pass\n",  # a function more
    BEFORE.replace("import time\n", "import time\nimport os\n"),  # a module-level name more
])
def test_an_edit_of_what_a_function_is_takes_or_returns_does_not(tmp_path: Path, edited: str) -> None:
    assert not same_for_resolution(facts(tmp_path, BEFORE), facts(tmp_path, edited))
