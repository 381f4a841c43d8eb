"""Everything kconnect shows passes through this package.

- `redaction`: the one seam that decides what is a secret and masks it — in data before it is
  serialised, in worker text by pattern, in URLs' user info — plus the registry of known values.
- `console`: the stdout/stderr streams, rich consoles, JSON writer and logging set-up.
- `render`: result objects shown as human text, Markdown or the JSON envelope.

Kept import-free so `kconnect --help` does not pay for rich or json.
"""
