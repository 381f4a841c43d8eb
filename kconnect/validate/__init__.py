"""Validation: everything kconnect checks before a manifest reaches a worker.

- the bundled schemas themselves are read by `kconnect.catalogs` (a layer below, since
  manifests need their PASSWORD-typed keys too);
- `keys`: per-key checks of one connector config (required, types, ranges, allowed values);
- `lint`: pipeline rules across manifests, one module per concern, and the rules table.

Nothing here is imported by `kconnect --help`; submodules load what they need lazily.
"""
