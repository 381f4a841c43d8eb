"""`kconnect validate` of 1,000 manifests: wall time of the whole command. Prints figures.

    python bench/validate_bench.py [--runs N] [--count N]

The manifests are a realistic mix: Debezium MySQL sources (transforms, converters, client
overrides, JDBC pass-through) and Elasticsearch sinks reading them, so every layer runs:
schema checks, unknown keys against the catalogs, and the pipeline lint. Compare two trees by
`--tree ../main` (that checkout's `kconnect` package is imported instead of the installed one).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SOURCE = """name: src{i:04d}
config:
  connector.class: io.debezium.connector.mysql.MySqlConnector
  tasks.max: 1
  database.hostname: mysql{i}
  database.port: 3306
  database.user: debezium
  database.password: ${{env:PW}}
  database.server.id: {sid}
  database.allowPublicKeyRetrieval: true
  topic.prefix: p{i}
  database.include.list: db
  table.include.list: db.t{i}
  schema.history.internal.kafka.bootstrap.servers: kafka:9092
  schema.history.internal.kafka.topic: history.p{i}
  time.precision.mode: connect
  key.converter: org.apache.kafka.connect.json.JsonConverter
  value.converter: org.apache.kafka.connect.json.JsonConverter
  value.converter.schemas.enable: true
  producer.override.compression.type: lz4
  transforms: unwrap
  transforms.unwrap.type: io.debezium.transforms.ExtractNewRecordState
  transforms.unwrap.delete.tombstone.handling.mode: tombstone
---
"""
SINK = """name: sink{i:04d}
config:
  connector.class: io.confluent.connect.elasticsearch.ElasticsearchSinkConnector
  tasks.max: 1
  topics: p{i}.db.t{i}
  connection.url: http://es:9200
  key.converter: org.apache.kafka.connect.json.JsonConverter
  value.converter: org.apache.kafka.connect.json.JsonConverter
  value.converter.schemas.enable: true
  schema.ignore: false
  transforms: key
  transforms.key.type: org.apache.kafka.connect.transforms.ExtractField$Key
  transforms.key.field: id
  behavior.on.null.values: delete
---
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--tree", help="a checkout whose kconnect to run instead")
    options = parser.parse_args()
    command = [sys.executable, "-m", "kconnect"]
    if options.tree:
        boot = (
            f"import sys, runpy; sys.path.insert(0, {str(Path(options.tree).resolve())!r}); "
            "runpy.run_module('kconnect', run_name='__main__', alter_sys=True)"
        )
        command = [sys.executable, "-c", boot]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "all.yaml"
        with path.open("w") as out:
            for i in range(options.count // 2):
                out.write(SOURCE.format(i=i, sid=1000 + i))
                out.write(SINK.format(i=i))
        times, last = [], ""
        for _ in range(options.runs):
            start = time.perf_counter()
            done = subprocess.run(
                [*command, "validate", str(path)],
                capture_output=True,
                text=True,
                check=False,
            )
            times.append(time.perf_counter() - start)
            last = (done.stdout.strip().splitlines() or ["?"])[-1]
        median, best = statistics.median(times) * 1000, min(times) * 1000
        print(
            f"validate of {options.count} manifests: median {median:.0f} ms  min {best:.0f} ms"
            f"  ({options.runs} runs; exit {done.returncode}: {last})"
        )


if __name__ == "__main__":
    main()
