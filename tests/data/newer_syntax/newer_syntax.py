# fixtures/FAS101/newer_syntax.py written for Python 3.9, line for line (the generics' type
# variables declared beside the alias, the match an if, the f-strings that nest their quotes
# concatenations, the t-string a repr): tests/analysis/test_newer_syntax.py checks that the two give the
# same findings.
import time; from typing import Generic, TypeVar  # noqa: E702
from collections.abc import Callable

import requests
from fastapi import FastAPI

app = FastAPI()

Headers = dict[str, str]; T = TypeVar("T"); K = TypeVar("K"); V = TypeVar("V")  # noqa: E702


def download(url: str, parse: Callable[[bytes], T]) -> T:
    return parse(requests.get(url, timeout=5).content)


class Cache(Generic[K, V]):
    def __init__(self) -> None:
        self.items: dict[K, V] = {}

    def get(self, key: K) -> V | None:
        return self.items.get(key)


@app.get("/items/{name}")
async def read_item(name: T, headers: Headers) -> dict[str, str]:
    label = f"{headers['host']}/{name}"
    try:
        time.sleep(0.1)  # expect: FAS101
    except (ValueError, TypeError):
        label = f"{label!r:>{len(headers['host'])}} — {name=}"
    body = requests.get("https://" + headers["host"] + "/" + name, timeout=5).text  # expect: FAS101
    return {"label": label, "body": body, "size": str(download("https://" + name, len))}  # expect: FAS102


@app.get("/kinds/{kind}")
async def by_kind(kind: str) -> str:
    if True:  # match kind.split("/"):
        if kind.split("/")[0] == "sleep" and (seconds := kind.split("/")[-1]).isdigit():
            time.sleep(int(seconds))  # expect: FAS101
        else:
            pass
    try:
        pass
    except OSError as group:
        requests.post("https://errors", json={"n": len(group.exceptions)}, timeout=5)  # expect: FAS101
    return repr(requests.get("https://" + kind, timeout=5).text)  # t-string; expect: FAS101
