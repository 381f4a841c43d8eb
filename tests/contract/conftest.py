"""Fixtures for the REST contract suite: the same tests run against the fake and a real worker."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator

import httpx
import pytest

from tests.fakeconnect import FakeConnect


@pytest.fixture(scope="module")
def shared_fake() -> Iterator[FakeConnect]:
    """One fake per module, shared like the real cluster is (tests use unique names)."""
    with FakeConnect() as fake:
        yield fake


@pytest.fixture(params=["fake", pytest.param("real", marks=pytest.mark.integration)])
def connect_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """The REST URL of a distributed Connect worker: the fake, or the real stack's worker."""
    if request.param == "fake":
        fake = request.getfixturevalue("shared_fake")
        fake.clear_faults()
        yield fake.url
        return
    try:
        stack = request.getfixturevalue("real_stack")
    except pytest.FixtureLookupError:
        pytest.skip("the real_stack fixture (tests/stack/pytest_plugin.py) is not available")
    yield stack.url.rstrip("/")


@pytest.fixture
def client(connect_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=connect_url, timeout=30.0) as c:
        yield c


@pytest.fixture
def make_name(client: httpx.Client) -> Iterator[Callable[[str], str]]:
    """Unique connector names; every name handed out is deleted at teardown (the real
    cluster is shared by the whole session)."""
    names: list[str] = []

    def make(prefix: str = "contract") -> str:
        name = f"kc-{prefix}-{uuid.uuid4().hex[:10]}"
        names.append(name)
        return name

    yield make
    for name in names:
        client.delete(f"/connectors/{name}")
