"""Planning and applying: manifests + live cluster -> a frozen plan -> the writes it names.

`plan` builds the plan (a pure function), `apply` carries it out against a worker.
"""
