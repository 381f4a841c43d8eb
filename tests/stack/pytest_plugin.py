"""pytest plugin: the session-scoped `real_stack` fixture (Kafka + 2 Connect workers + MariaDB),
and `es_stack`: the same stack with the Elasticsearch sink in the workers and an Elasticsearch
server.

Enable with `pytest_plugins = ["tests.stack.pytest_plugin"]` in tests/conftest.py. The stack is
started once per session, on first use, and stopped at the end. When java or mvn is missing the
fixture fails (it does not skip): the integration stage must not pass silently without a cluster.
Logs are kept (and their folder printed) when any test failed, or with KCONNECT_STACK_KEEP=1.

One stack serves the whole session: when any selected test is marked `elasticsearch` (or asks
for `es_stack`), `real_stack` starts with Elasticsearch too. Where `../shared/elasticsearch-sink`
does not exist, those tests skip with that reason and the stack starts without it.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.stack.stack import Stack, StackError

_WANTS_ES = pytest.StashKey[bool]()


def _wants_elasticsearch(item: pytest.Item) -> bool:
    return item.get_closest_marker("elasticsearch") is not None or "es_stack" in getattr(
        item, "fixturenames", ()
    )


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    wanting = [item for item in items if _wants_elasticsearch(item)]
    config.stash[_WANTS_ES] = False
    if not wanting:
        return
    from tests.stack.elasticsearch import SinkSourceMissing, sink_source

    try:
        sink_source()
    except SinkSourceMissing as e:
        for item in wanting:
            item.add_marker(pytest.mark.skip(reason=str(e)))
        return
    config.stash[_WANTS_ES] = True


@pytest.fixture(scope="session")
def real_stack(request: pytest.FixtureRequest) -> Iterator[Stack]:
    stack = Stack(elasticsearch=request.config.stash.get(_WANTS_ES, False))
    error = None
    try:
        stack.start()
    except StackError as e:
        error = str(e)
    if error is not None:
        pytest.fail(f"could not start the Kafka Connect test stack: {error}", pytrace=False)
    try:
        yield stack
    finally:
        if request.session.testsfailed:
            stack.keep_run_dir = True
        stack.stop()


@pytest.fixture(scope="session")
def es_stack(real_stack: Stack) -> Stack:
    """`real_stack` with Elasticsearch (its URL in `es_stack.elasticsearch_url`)."""
    if not real_stack.elasticsearch:
        pytest.fail(
            "the stack was started without Elasticsearch: mark the test `elasticsearch`",
            pytrace=False,
        )
    return real_stack
