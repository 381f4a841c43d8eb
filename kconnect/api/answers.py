"""Reading the worker's answers: error messages from error bodies."""

from __future__ import annotations

import httpx


def error_message(response: httpx.Response) -> str:
    """The worker's `message`, or a short form of a non-JSON (Jetty HTML) error body."""
    try:
        body = response.json()
    except ValueError:
        text = response.text.strip()
        if "<title>" in text:
            text = text.split("<title>", 1)[1].split("</title>", 1)[0]
        return text[:300] or response.reason_phrase
    if isinstance(body, dict) and "message" in body:
        return str(body["message"])
    return str(body)[:300]
