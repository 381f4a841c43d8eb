"""Which proxy the environment names, spelled every way the Python HTTP libraries read it
(`urllib.request.getproxies`, which httpx and requests use): with no proxy kconnect talks to a
plain-http worker over its light transport, so a variable read differently from httpx would
send requests past a proxy the user set."""

from __future__ import annotations

import pytest

from kconnect.config.proxy import proxy_for

PROXY = "http://proxy:3128"
URL = "http://connect.internal:8083"


@pytest.mark.parametrize(
    "env",
    [
        {"Http_Proxy": PROXY},
        {"HTTP_PROXY": PROXY, "NO_PROXY": "connect.internal", "no_proxy": ""},
        {"http_proxy": "", "ALL_PROXY": PROXY},
    ],
    ids=["mixed-case-name", "empty-lower-case-no-proxy-wins", "empty-http-proxy-leaves-all"],
)
def test_a_proxy_httpx_would_use_is_used(env: dict[str, str]) -> None:
    proxy = proxy_for(URL, env)
    assert proxy is not None
    assert proxy.url == PROXY


@pytest.mark.parametrize(
    "env",
    [
        {"HTTP_PROXY": PROXY, "http_proxy": ""},
        {"HTTP_PROXY": PROXY, "No_Proxy": "connect.internal"},
    ],
    ids=["empty-lower-case-unsets", "mixed-case-no-proxy"],
)
def test_a_proxy_httpx_would_not_use_is_not_used(env: dict[str, str]) -> None:
    assert proxy_for(URL, env) is None
