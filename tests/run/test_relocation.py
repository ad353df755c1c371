"""run/relocation.py: what an edit changed of a module's facts."""

from __future__ import annotations

from pathlib import Path

import pytest

from fastapi_lint.analysis.extract import summarize_file
from fastapi_lint.analysis.facts import ModuleSummary
from fastapi_lint.run.relocation import calls_apart, same_for_resolution

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


BRANCHED = '''\
class Jobs:
    def run(self, mode: str) -> None:
        if mode == "fast":
            first = 1
            second = 2
        done = self.on_done
        return done

    def on_done(self) -> None:
        pass
'''


@pytest.mark.parametrize("edited, calls, imports", [
    (BEFORE.replace("    time.sleep(1)\n", "    time.sleep(1)\n    time.sleep(2)\n"), ["time.sleep"], []),  # a call more
    ("# moved down\n\n" + BEFORE.replace("    time.sleep(1)\n", "    pass\n"), ["time.sleep"], []),  # gone, every line moved
    (BEFORE.replace("        return self.client.get(key)\n",
                    "        import requests\n        requests.get('https://example.com', timeout=3)\n"
                    "        return self.client.get(key)\n"), ["requests.get"], ["requests"]),  # with its import
    # under a condition: the call taken away and written again, ``time.time()`` beside it
    (BEFORE.replace("    time.sleep(1)\n", "    if time.time() > 0:\n        time.sleep(1)\n"),
     ["time.sleep", "time.time", "time.sleep"], []),
])
def test_calls_passing_literals_written_or_taken_away_are_told(tmp_path: Path, edited: str, calls: list[str],
                                                                imports: list[str]) -> None:
    apart = calls_apart(facts(tmp_path, BEFORE), facts(tmp_path, edited))
    assert apart is not None
    assert [site.text for site in apart.calls] == calls and list(apart.imports) == imports


@pytest.mark.parametrize("before, edited", [
    (BEFORE, BEFORE.replace("    time.sleep(1)\n", "    time.sleep(delay)\n")),  # an argument not a literal
    (BEFORE, BEFORE.replace("import time\n", "import time\nimport os\n")),  # a module's own import
    (BEFORE, BEFORE.replace("    time.sleep(1)\n", "    time.sleep(2)\n    time.sleep(1)\n    time.sleep(1)\n")),  # one more of a call kept
    # no call apart, but a line the ``if`` did not hold now inside it (a read that is an edge of the placing)
    (BRANCHED, BRANCHED.replace("            second = 2\n        done", "            second = 2\n            done")),
])
def test_anything_else_tells_the_modules_apart(tmp_path: Path, before: str, edited: str) -> None:
    assert calls_apart(facts(tmp_path, before), facts(tmp_path, edited)) is None


@pytest.mark.parametrize("was, now, renamed, calls", [
    ("_a()", "_b()", [("_a", "_b")], []),  # the same call, by another name: paired
    ("_a(1)", "_b(2)", [], ["_a", "_b"]),  # another argument: a call taken away, another written
])
def test_a_call_written_in_place_of_one_alike_but_for_its_name_is_paired(tmp_path: Path, was: str, now: str,
                                                                         renamed: list[tuple[str, str]], calls: list[str]) -> None:
    before = f"def helper():\n    from tools import stop as _a\n    {was}\n    return 1\n"
    after = before.replace(was, now).replace("as _a", "as _b")
    apart = calls_apart(facts(tmp_path, before), facts(tmp_path, after))
    assert apart is not None
    assert [(old.text, new.text) for _, old, new in apart.renamed] == renamed and [site.text for site in apart.calls] == calls
