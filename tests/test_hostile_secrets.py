"""Secrets in forms and layouts a neighbour writes them (issue 23, section 3): cut worker text,
JSON that is not a string, Kafka's own config listings, XML, encodings of known values, proxy
credentials, passwords in URLs with `/`, `?` or `#` — and kconnect's own messages."""

from __future__ import annotations

import base64
import http.server
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest

from kconnect.output.redaction import (
    MASK,
    clear_secrets,
    config_secret_values,
    redact,
    redact_text,
    register_config,
    register_secrets,
)
from tests.conftest import CliRunner, file_source, write_manifest
from tests.fakeconnect import FakeConnect

M = MASK
PEM = (
    "-----BEGIN PRIVATE KEY-----\n"
    "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQDPemKeyLineOne\n"
    "QxPemLineTwoQxAbCdEfGhIjKlMnOpQrStUvWxYz0123456789+/AbCdEfGhIj\n"
    "QxPemLineThreeQxZyXwVuTsRqPoNmLkJiHgFeDcBa9876543210+/ZyXwVu==\n"
    "-----END PRIVATE KEY-----"
)


@pytest.fixture(autouse=True)
def _fresh_registry() -> Iterator[None]:
    clear_secrets()
    yield
    clear_secrets()


# -- by pattern: layouts of Kafka, Java and XML --------------------------------------------------


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        # Kafka's AbstractConfig listing, at every task start and in config errors
        (
            "ConnectorConfig values: \n\tconnection.password = hunter2 x\n\ttasks.max = 1\n",
            f"ConnectorConfig values: \n\tconnection.password = {M}\n\ttasks.max = 1\n",
        ),
        ("\tssl.key.password = [hidden]", "\tssl.key.password = [hidden]"),
        # `key : value` property listings
        ("db.password : s3cr3t\nname : x", f"db.password : {M}\nname : x"),
        ("  database.password: s3cr3t", f"  database.password: {M}"),
        # kconnect's own labels and messages are not property listings
        ("password:    set  (from env X)", "password:    set  (from env X)"),
        ("db.password: list item 1 contains a comma", "db.password: list item 1 contains a comma"),
        # a Python repr of a map (a neighbour written in Python)
        ("{'db.password': 'x y', 'name': 'a'}", f"{{'db.password': '{M}', 'name': 'a'}}"),
        ("{'db.password': \"it's\", 'a': 1}", f"{{'db.password': \"{M}\", 'a': 1}}"),
        # XML: Properties.storeToXML, elements named as keys, Hadoop name/value
        (
            '<entry key="db.password">pa&amp;ss</entry><entry key="a">b</entry>',
            f'<entry key="db.password">{M}</entry><entry key="a">b</entry>',
        ),
        ("<db.password>x1</db.password>", f"<db.password>{M}</db.password>"),
        (
            "<property><name>ssl.key.password</name>\n  <value>abc</value></property>",
            f"<property><name>ssl.key.password</name>\n  <value>{M}</value></property>",
        ),
        ('<entry key="db.password"/><a>b</a>', '<entry key="db.password"/><a>b</a>'),
        # PEM private keys across lines, whole or cut off, raw or with escaped line breaks
        (f"key={PEM}\nnext", f"key=-----BEGIN PRIVATE KEY-----{M}-----END PRIVATE KEY-----\nnext"),
        (
            '{"k": "' + PEM.replace("\n", "\\n")[:120] + '", "a": 1}',
            '{"k": "-----BEGIN PRIVATE KEY-----' + M + '", "a": 1}',
        ),
        # passwords holding `/`, `?` or `#`: the user info ends at the last `@` before the host
        ("jdbc:mysql://app:pa/ss@db/inv", f"jdbc:mysql://app:{M}@db/inv"),
        ("jdbc:mysql://app:p?a#s/s@db:3306/inv?x=1", f"jdbc:mysql://app:{M}@db:3306/inv?x=1"),
        ("http://host:8083/a@b", "http://host:8083/a@b"),  # a port, then a path
        ("http://u:p@h/path?mail=a@b.com", f"http://u:{M}@h/path?mail=a@b.com"),
        (
            "jdbc:mysql://u:${file:/s/p.properties:pw}@h/db",
            "jdbc:mysql://u:${file:/s/p.properties:pw}@h/db",
        ),
    ],
)
def test_layouts_of_neighbours(text: str, shown: str) -> None:
    assert redact_text(text) == shown


# -- by value: every encoded form of a known secret ---------------------------------------------

SECRET = "p/ss@w0rd:é\"'\\x"


def _forms() -> dict[str, str]:
    pair = f"admin:{SECRET}".encode()
    return {
        "base64": base64.b64encode(SECRET.encode()).decode(),
        "base64 user:password": base64.b64encode(pair).decode(),
        "base64 other-user:password": base64.b64encode(b"someone-else:" + SECRET.encode()).decode(),
        "url-encoded": quote(SECRET, safe=""),
        "url-encoded lower": quote(SECRET, safe="").lower(),
        "form-encoded": quote(SECRET, safe="").replace("%20", "+"),
        "json": json.dumps(SECRET)[1:-1],
        "json in json": json.dumps(json.dumps(SECRET)[1:-1])[1:-1],
        "python repr": repr(SECRET)[1:-1],
        "python repr of a map": repr({"db.password": SECRET}),
        "java unicode escape": json.dumps(SECRET)[1:-1].replace("\\u00e9", "\\u00E9"),
        "xml": SECRET.replace("&", "&amp;").replace('"', "&quot;").replace("'", "&apos;"),
        "split over lines": SECRET[:7] + "\n\t" + SECRET[7:],
    }


@pytest.mark.parametrize("form", sorted(_forms()))
def test_encoded_forms_of_a_known_secret(form: str) -> None:
    register_config(
        {"connection.url": f"jdbc:mysql://admin:{SECRET}@db/x", "database.password": SECRET}
    )
    text = f"worker said: [{_forms()[form]}] done"
    shown = redact(text)
    assert _forms()[form] not in shown
    assert shown.startswith("worker said: [") and shown.endswith("] done")
    for piece in ("p/ss", "w0rd"):
        assert piece not in shown


def test_user_and_password_keys_register_the_basic_header() -> None:
    values = config_secret_values({"connection.user": "app", "connection.password": "pw-123"})
    assert base64.b64encode(b"app:pw-123").decode() in values
    assert "pw-123" in values


def test_the_mask_does_not_slow_a_large_listing() -> None:
    # hundreds of connectors' secrets × their encodings, against thousands of short strings
    import time

    register_secrets(f"secret-value-{i}-xyzzy" for i in range(400))
    from kconnect.output.redaction import redact_data

    rows = [{"name": f"c-{i}", "state": "RUNNING", "worker": "10.0.0.1:8083"} for i in range(3000)]
    started = time.perf_counter()
    redact_data(rows)
    assert time.perf_counter() - started < 1.0


# -- through the CLI: what reaches a user ---------------------------------------------------------


def _leaky(tmp_path: Path, extra: str = "") -> Path:
    directory = tmp_path / "connectors.d"
    write_manifest(directory, "leaky.yaml", file_source("leaky", extra=extra))
    return directory


def test_failed_trace_is_masked_before_it_is_cut(cli: CliRunner, fake: FakeConnect) -> None:
    fake.add_connector("leaky", {"connector.class": "FileStreamSource", "topic": "t"})
    trace = f"org.apache.kafka.common.config.ConfigException: bad ssl.keystore.key={PEM}\n\tat x"
    fake.fail_task("leaky", 0, trace)
    env = {"KCONNECT_URL": fake.url}
    for args in (("status",), ("describe", "leaky"), ("status", "-o", "json")):
        result = cli(*args, env=env)
        assert "Traceback" not in result.output
        assert "QxPem" not in result.output, (args, result.output)
        assert "MIIEvQ" not in result.output, (args, result.output)
    assert "ConfigException: bad ssl.keystore.key=********\n" in cli("status", env=env).stdout


def test_long_non_json_error_is_masked_before_it_is_cut(cli: CliRunner, fake: FakeConnect) -> None:
    secret = "QxHead" + "z" * 400 + "QxTail"
    fake.add_connector("leaky", {"connector.class": "FileStreamSource", "topic": "t"})
    # a gateway page echoing the credential, which straddles the 300-character cut
    page = ("x" * 280 + secret + " more").encode()
    fake.inject(path="/connectors/leaky/restart", status=400, body=page, times=100)
    env = {
        "KCONNECT_URL": fake.url,
        "KCONNECT_USERNAME": "admin",
        "KCONNECT_PASSWORD": secret,
        "KCONNECT_RETRIES": "1",
    }
    for mode in ((), ("-o", "json")):
        result = cli("restart", "leaky", *mode, env=env)
        assert result.exit_code == 1, result.output
        assert "QxHead" not in result.output and "zzzzzzzz" not in result.output, result.output
        assert "x" * 200 + "********" in result.output.replace("\n", "")


def test_json_error_whose_message_is_not_a_string(cli: CliRunner, fake: FakeConnect) -> None:
    body = {"error_code": 500, "message": {"db.password": "QxNotAStringQx", "name": "x"}}
    fake.inject(path="/connectors", status=500, body=body, times=100)
    result = cli("status", "-o", "json", env={"KCONNECT_URL": fake.url, "KCONNECT_RETRIES": "1"})
    assert result.exit_code == 1
    assert "QxNotAStringQx" not in result.output
    message = result.json["errors"][0]["message"]
    assert '{"db.password": "********", "name": "x"}' in message  # JSON, not Python's str()


def test_list_item_of_a_secret_key_is_not_quoted(cli: CliRunner, tmp_path: Path) -> None:
    directory = _leaky(tmp_path, extra="  connection.password: ['QxItem,Qx', b]\n")
    result = cli("validate", str(directory))
    assert result.exit_code != 0
    assert "connection.password: list item 1 contains a comma" in result.output
    assert "QxItem" not in result.output
    # the message itself is not taken for a `key: value` listing and masked
    listed = cli("validate", str(directory), "-o", "json").json
    messages = [p["message"] for p in listed["data"]["problems"]]
    assert any(m.startswith("connection.password: list item 1 contains a comma") for m in messages)


def test_context_naming_a_password_instead_of_a_variable(
    cli: CliRunner, fake: FakeConnect, tmp_path: Path
) -> None:
    config = tmp_path / "config.yaml"
    for key, value in (
        ("password_env", "Qx-Pa ss-Qx"),
        ("password_env", "QxPassQx"),
        ("password_file", "QxPassQx"),
    ):
        config.write_text(
            "current-context: a\ncontexts:\n  a:\n"
            f"    url: {fake.url}\n    username: u\n    {key}: {value}\n"
        )
        env = {"KCONNECT_CONFIG": str(config)}
        for args in (("status",), ("context", "show"), ("status", "-o", "json")):
            result = cli(*args, env=env)
            assert "Traceback" not in result.output
            assert "QxPa" not in result.output, (key, value, args, result.output)
            assert key in result.output, result.output
    assert not [r for r in fake.requests if r.path != "/"], "no request with a broken context"


def test_url_password_with_a_slash_is_not_shown_by_plan(
    cli: CliRunner, fake: FakeConnect, tmp_path: Path
) -> None:
    directory = _leaky(tmp_path, extra="  connection.url: jdbc:mysql://app:Qx/p?ss#Qx@db/inv\n")
    for mode in ("text", "json", "markdown"):
        result = cli("plan", str(directory), "-o", mode, env={"KCONNECT_URL": fake.url})
        assert result.exit_code == 0, result.output
        assert "Qx/p" not in result.output and "ss#Qx" not in result.output, result.output
        assert "jdbc:mysql://app:********@db/inv" in result.output


class _EchoingProxy(http.server.BaseHTTPRequestHandler):
    """A proxy that refuses every request with a 407 page quoting what it was sent."""

    def do_GET(self) -> None:
        page = (
            "Proxy Authentication Required. You sent: "
            f"<pre>{self.headers.get('Proxy-Authorization')}\n"
            f"{self.headers.get('Authorization')}\n{self.path}</pre>"
        ).encode()
        self.send_response(407)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(page)))
        self.end_headers()
        self.wfile.write(page)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def echoing_proxy() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _EchoingProxy)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_proxy_credentials_and_echoed_headers_are_secrets(
    cli: CliRunner, echoing_proxy: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    env = {
        "HTTP_PROXY": f"http://proxyuser:QxProxy%2Fpw@{echoing_proxy}",
        "KCONNECT_URL": "http://connect.invalid:8083",
        "KCONNECT_USERNAME": "admin",
        "KCONNECT_PASSWORD": "QxBasicPwQx",
        "KCONNECT_RETRIES": "1",
    }
    basic = base64.b64encode(b"admin:QxBasicPwQx").decode()
    proxy = base64.b64encode(b"proxyuser:QxProxy/pw").decode()
    for args in (("status",), ("status", "-o", "json", "-vv"), ("get", "-vv")):
        result = cli(*args, env=env)
        assert result.exit_code != 0
        assert "Traceback" not in result.output
        for leak in ("QxProxy", "QxBasicPw", basic, proxy, basic[12:], proxy[12:]):
            assert leak not in result.output, (args, leak, result.output)
        assert "You sent: <pre>Basic ********" in result.output.replace("\\n", "\n")


def test_own_messages_about_a_secret_key_name_the_value_without_quoting_it() -> None:
    from kconnect.output.redaction import hide_value

    # short values too: the registry only replaces values of four characters or more
    assert (
        hide_value("db.password: 'abc' is not allowed; allowed values: a, b", "abc")
        == "db.password: the value (not shown: a secret) is not allowed; allowed values: a, b"
    )
    assert hide_value("x must be an integer, got 'p1'", "p1").endswith(
        "got the value (not shown: a secret)"
    )
    assert hide_value("range 1..10", "1") == "range 1..10"  # a short unquoted value is left
