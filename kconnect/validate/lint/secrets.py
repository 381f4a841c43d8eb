"""Secrets written in plaintext, and ConfigProvider references to providers the worker lacks."""

from __future__ import annotations

import re
from collections.abc import Mapping

from kconnect.catalogs import password_keys
from kconnect.manifests.model import Manifest
from kconnect.output.redaction import is_config_reference, is_secret_key, url_passwords
from kconnect.validate.lint.common import Report, split_list

_NOT_SECRET = re.compile(
    r"(credentials\.source|\.(class|type|provider|location|path|file|mechanism|protocol"
    r"|algorithm|enable|enabled|mode|ms|url|uri|endpoint)|\.source)$",
    re.IGNORECASE,
)
# A reference's body stops at the next `${`: a run of unclosed `${` is then read in linear time.
_REFERENCE = re.compile(r"\$\{([^:}$]+):(?:(?!\$\{)[^}])*\}")
_JAAS_PASSWORD = re.compile(r"password\s*=\s*\"([^\"]*)\"", re.IGNORECASE)


def _plaintext(key: str, value: str) -> bool:
    value = value.strip()
    if not value or is_config_reference(value):
        return False
    if key.endswith("sasl.jaas.config"):
        passwords = _JAAS_PASSWORD.findall(value)
        return any(p and not is_config_reference(p) for p in passwords) or (
            not passwords and not _REFERENCE.search(value)
        )
    return True


def check_secrets(report: Report, m: Manifest, worker_defaults: Mapping[str, str] | None) -> None:
    typed = password_keys(m.connector_class)
    interpolated: frozenset[str] = getattr(m, "interpolated_keys", frozenset())
    for key, value in sorted(m.config.items()):
        if key in interpolated:
            continue
        secret = key in typed or (is_secret_key(key, typed) and not _NOT_SECRET.search(key))
        if secret and _plaintext(key, value):
            report.add(
                "plaintext-secret",
                m,
                key,
                f"{key} holds a plaintext secret, visible to anyone who can read the manifest "
                f"or GET /connectors/{m.name}",
            )
        elif url_passwords(value):
            report.add(
                "plaintext-secret",
                m,
                key,
                f"{key} holds a URL with a plaintext password (user:password@host), visible to "
                f"anyone who can read the manifest or GET /connectors/{m.name}",
            )
    if worker_defaults is None or "config.providers" not in worker_defaults:
        return
    declared = set(split_list(worker_defaults["config.providers"]))
    for key, value in sorted(m.config.items()):
        for provider in _REFERENCE.findall(value):
            if provider not in declared:
                report.add(
                    "unknown-config-provider",
                    m,
                    key,
                    f"{key} references provider {provider!r}, which the worker does not "
                    f"declare (config.providers={','.join(sorted(declared)) or '<empty>'})",
                )
