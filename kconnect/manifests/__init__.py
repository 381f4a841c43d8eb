"""Desired state from files: finding and reading manifests, YAML at the node level,
`${VAR}` interpolation, connector-name rules, and the `Manifest` model they produce.

- `loader`: paths → files → text → manifests (the entry point, `load_manifests`)
- `yaml_nodes`: composing YAML documents and walking their nodes with positions
- `document`: one YAML document → one `Manifest`, every problem at file:line
- `names`: what the worker would store as written (connector names, classes)
- `interpolate`: client-side `${VAR}` and dotenv files
- `model`: the frozen `Manifest` data
- `strimzi`: Strimzi `KafkaConnector` resources read as manifests, and written by export
"""
