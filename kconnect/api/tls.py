"""The TLS context for the client: CA bundle, verification, client certificate (mTLS)."""

from __future__ import annotations

from typing import Any

from kconnect.config.settings import ClientSettings


def uses_tls(settings: ClientSettings) -> bool:
    """Whether the worker's URL is https. A plain-http URL never opens a TLS connection (the
    client follows no redirects), so it needs no TLS context."""
    return settings.url.lower().startswith("https:")


def ssl_context(settings: ClientSettings) -> Any:
    # Loading the CA bundle costs a quarter of a second, on every command.
    if not uses_tls(settings):
        return False
    if settings.verify is False and settings.client_cert is None:
        return False
    import ssl

    from kconnect.errors import ConfigError

    try:
        if isinstance(settings.verify, str):
            context = ssl.create_default_context(cafile=settings.verify)
        elif settings.verify:
            context = ssl.create_default_context()
        else:
            context = ssl.create_default_context()
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
    except (OSError, ssl.SSLError) as exc:
        raise ConfigError(
            f"cannot load the CA bundle {settings.verify}: {_ssl_reason(exc)}"
        ) from None
    if settings.client_cert:
        try:
            context.load_cert_chain(*settings.client_cert)
        except (OSError, ssl.SSLError) as exc:
            cert, key = settings.client_cert
            raise ConfigError(
                f"cannot load the client certificate {cert} with key {key}: {_ssl_reason(exc)}"
            ) from None
    return context


def _ssl_reason(exc: Exception) -> str:
    return getattr(exc, "reason", None) or getattr(exc, "strerror", None) or str(exc)
