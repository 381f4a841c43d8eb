"""Pattern redaction of worker text: where a secret value ends in the forms workers write."""

from __future__ import annotations

import pytest

from kconnect.output.redaction import config_secret_values, mask_value, redact_text

M = "********"


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        # Map.toString: the value runs to the next `, key=` — commas, spaces, braces included
        (
            "Connector config {database.password=a,b} c{d, name=x, tasks.max=1} contains",
            f"Connector config {{database.password={M}, name=x, tasks.max=1}} contains",
        ),
        # ... or, for the last entry, to the map's closing brace
        ("{name=x, db.password=p}w{q}} contains", f"{{name=x, db.password={M}}} contains"),
        ("{ssl.key.password=, name=x}", "{ssl.key.password=, name=x}"),  # empty: nothing to hide
        (
            '{"database.password": "a\\"b, c", "x": "y"}',
            f'{{"database.password": "{M}", "x": "y"}}',
        ),
        (
            'msg {\\"api.token\\": \\"a\\\\\\"b\\", \\"x\\": 1}',
            f'msg {{\\"api.token\\": \\"{M}\\", \\"x\\": 1}}',
        ),
        (
            'LoginModule required username="u" password="p\\"q";',
            f'LoginModule required username="u" password="{M}";',
        ),
        (
            "Invalid value s3cr3t for configuration ssl.key.password: x",
            f"Invalid value {M} for configuration ssl.key.password: x",
        ),
        (
            "Invalid value 5x for configuration tasks.max: x",
            "Invalid value 5x for configuration tasks.max: x",
        ),
        ("at http://admin:p@ss@host:8083/path", f"at http://admin:{M}@host:8083/path"),
        (
            "mongodb://u:pw@h1,h2/db and http://host:8083/a@b",
            f"mongodb://u:{M}@h1,h2/db and http://host:8083/a@b",
        ),
        (
            "{db.password=${file:/s.properties:pw}, x=y}",
            "{db.password=${file:/s.properties:pw}, x=y}",
        ),
        ("jdbc:mysql://u:${env:PW}@h/db", "jdbc:mysql://u:${env:PW}@h/db"),
        ("tasks.max=1, topic=password", "tasks.max=1, topic=password"),
    ],
)
def test_worker_text_patterns(text: str, shown: str) -> None:
    assert redact_text(text) == shown


def test_a_learnt_password_key_is_masked_by_pattern() -> None:
    # a PASSWORD-typed key whose name looks harmless, learnt from the worker's definitions
    assert (
        redact_text("{conn.phrase=xyz, a=b}", password_keys={"conn.phrase"})
        == f"{{conn.phrase={M}, a=b}}"
    )
    assert redact_text("{conn.phrase=xyz, a=b}") == "{conn.phrase=xyz, a=b}"


def test_url_credentials_in_any_key() -> None:
    assert mask_value("connection.url", "jdbc:mysql://app:pw@db/x") == f"jdbc:mysql://app:{M}@db/x"
    assert mask_value("connection.url", "http://db/x") == "http://db/x"
    values = config_secret_values(
        {"connection.url": "mongodb://u:pw1@h", "sasl.jaas.config": 'x password="pw2";', "a": "b"}
    )
    # the URL's user:password also as a Basic header carries it
    assert values == {"pw1", 'x password="pw2";', "pw2", "dTpwdzE="}
