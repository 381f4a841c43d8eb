"""Everything kconnect shows passes through this package.

- `redaction`: the one seam that decides what is a secret and masks it — in data before it is
  serialised, in worker text by pattern, in URLs' user info — plus the registry of known values.
- `console`: the stdout/stderr streams, rich consoles, JSON writer and logging set-up.
- `terminal`: text that did not come from kconnect made safe for a terminal.

The bottom layer (tests/test_layers.py): it imports nothing else of kconnect, so every part can
write through it. Rendering result objects (human text, Markdown, the JSON envelope) knows the
plan and status reports, so it lives with the commands, in `kconnect.cli.render`.

Kept import-free so `kconnect --help` does not pay for rich or json.
"""
