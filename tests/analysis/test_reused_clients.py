"""Phase 1 marks a client construction ``reused`` when the block that binds the client makes
two requests or more with it, one after another (``analysis/reused_clients.py``)."""

from __future__ import annotations

import pytest

from tests.analysis.test_summary import function, summary_of

HEADER = """
import asyncio
import httpx
import requests

async def _get(client, url):
    return (await client.get(url)).json()

async def _once(client_):
    return await _get(client_, "https://a.example")

async def _pages(client_, urls):
    return [await _get(client_, url) for url in urls]
"""

CASES = {
    # several requests, one after another
    "two": (True, """
        async with httpx.AsyncClient() as client:
            await client.get(a)
            await client.post(b)
    """),
    "loop": (True, """
        async with httpx.AsyncClient() as client:
            for url in urls:
                await client.get(url)
    """),
    "helpers of the module": (True, """
        async with httpx.AsyncClient() as client:
            return await _pages(client, urls)
    """),
    "callback in the block": (True, """
        async with httpx.AsyncClient() as client:
            first = await _once(client)
            async def send(chunk):
                return await client.put(first, content=chunk)
            return await upload(send)
    """),
    "assigned, sync": (True, """
        session = requests.Session()
        pages = [session.get(url, timeout=5) for url in urls]
        session.close()
    """),
    "later item of async with": (True, """
        async with httpx.AsyncClient() as client, client.stream("GET", a) as response:
            await client.get(b)
    """),
    # one request
    "one": (False, """
        async with httpx.AsyncClient() as client:
            return await client.get(a)
    """),
    "helper making one": (False, """
        async with httpx.AsyncClient() as client:
            return await _once(client)
    """),
    "retry": (False, """
        async with httpx.AsyncClient() as client:
            while True:
                try:
                    return await client.get(a)
                except httpx.TransportError:
                    await asyncio.sleep(1)
    """),
    "only on a branch": (False, """
        async with httpx.AsyncClient() as client:
            response = await client.get(a)
            if response.status_code == 401:
                response = await client.get(b)
    """),
    "in a handler": (False, """
        async with httpx.AsyncClient() as client:
            try:
                await client.get(a)
            except httpx.HTTPError:
                await client.get(b)
    """),
    "fanned out": (False, """
        async with httpx.AsyncClient() as client:
            await asyncio.gather(*[client.get(url) for url in urls])
    """),
    "set up and closed": (False, """
        session = requests.Session()
        session.headers.update({"A": "b"})
        session.mount("https://", adapter)
        session.get(a, timeout=5)
        session.close()
    """),
    "yielded": (False, """
        async with httpx.AsyncClient() as client:
            yield client
    """),
    "shadowed in a callback": (False, """
        async with httpx.AsyncClient() as client:
            async def other(client):
                await client.get(a)
                await client.get(b)
            return await client.get(a)
    """),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_reused(name: str) -> None:
    expected, body = CASES[name]
    indented = "\n".join("    " + line for line in body.strip("\n").splitlines())
    is_sync = "requests." in body
    source = HEADER + f"\n{'def' if is_sync else 'async def'} case(a, b, urls, adapter, upload):\n{indented}\n"
    sites = [s for s in function(summary_of(source), "case").calls if s.text in ("httpx.AsyncClient", "requests.Session")]
    assert len(sites) == 1
    assert sites[0].reused is expected
