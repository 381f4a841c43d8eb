"""pytest plugin: the session-scoped `real_stack` fixture (Kafka + 2 Connect workers + MariaDB).

Enable with `pytest_plugins = ["tests.stack.pytest_plugin"]` in tests/conftest.py. The stack is
started once per session, on first use, and stopped at the end. When java or mvn is missing the
fixture fails (it does not skip): the integration stage must not pass silently without a cluster.
Logs are kept (and their folder printed) when any test failed, or with KCONNECT_STACK_KEEP=1.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.stack.stack import Stack, StackError


@pytest.fixture(scope="session")
def real_stack(request: pytest.FixtureRequest) -> Iterator[Stack]:
    stack = Stack()
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
