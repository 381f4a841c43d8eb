"""`.properties` manifests read as standalone Connect reads them, proven by Java itself.

Standalone Connect loads a connector file with Kafka's `Utils.loadProps` → `Files.newInputStream`
→ `java.util.Properties.load(InputStream)`: every byte is one ISO-8859-1 character, lines end at
`\\n`, `\\r` or `\\r\\n`. tests/java/PropertiesToJson.java, compiled with `javac` here, prints
what Java read from each fixture; kconnect's reader must read the same, or refuse the file at
its line where Java would read something its author did not mean.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from kconnect.errors import ManifestError
from kconnect.manifests.collector import Collector
from kconnect.manifests.formats import parse_properties
from kconnect.manifests.loader import load_manifests
from kconnect.manifests.text import TextProblem, read_text
from tests.conftest import CliRunner

JAVA_SOURCE = Path(__file__).parent / "java" / "PropertiesToJson.java"

# Files Java and kconnect must read alike, byte for byte.
AGREED: dict[str, bytes] = {
    "latin1": b"name=caf\xe9\ntopic=na\xefve-\xa9-\xff\n",
    "windows-1252-ellipsis": b"name=x\nnote=wait\x85 more\n",
    "escapes": b"name=caf\\u00e9\nsmile=\\uD83D\\uDE00\nupper=\\u00C9\\u00c9\ntabs=a\\tb\\nc\\rd\\fe\n",
    "continuation": b"name=x\nlist=a,\\\n     b,\\\n\t\tc\nafter=1\n",
    "continuation-crlf": b"name=x\r\nlist=a,\\\r\n   b\r\nafter=1\r\n",
    "lone-cr": b"name=x\rkey=v\r  other = w \r",
    "backslash-at-eof": b"name=x\nlast=value\\",
    "continuation-at-eof": b"name=x\nlast=value\\\n",
    "even-backslashes": b"name=x\npath=C:\\\\dir\\\\\nnext=1\n",
    "separators": b"name=x\na=1\nb:2\nc 3\nd\t4\ne\f5\nf = = 6\ng : : 7\nh  =  8  \ni\n=j\n",
    "escaped-separators": b"name=x\nk\\=1=v\nk\\:2:v\nk\\ 3 v\nweird\\\\=w\n",
    "comments": b"# a comment\n! another\nname=x\n  # indented\n\t! tabbed\ncomment=not # a comment\n",
    "comment-ends-with-backslash": b"name=x\n# comment \\\nnot.continued=1\n",
    "blank-lines": b"\n   \n\t\f \nname=x\n \n\nk=v\n   \n",
    "form-feed": b"\fname=x\nk\fv\nv=a\fb\n",
    "other-escapes": b"name=x\nq=\\q\\#\\!\\\\\n\\#key=1\n",
    "empty-values": b"name=x\nempty=\nalso:\nbare\n",
    "continued-blank": b"name=x\na=1\\\n\nb=2\n",
    "backslash-line-then-comment": b"name=x\n\\\n#not a key\nk=v\n",
}


def _java_reads(tmp_path: Path, files: dict[str, bytes]) -> dict[str, dict[str, str]]:
    javac = shutil.which("javac")
    if javac is None:
        pytest.skip("javac not on PATH: the reader cannot be checked against Java")
    classes = tmp_path / "classes"
    subprocess.run([javac, "-d", str(classes), str(JAVA_SOURCE)], check=True, timeout=120)
    paths = []
    for name, data in files.items():
        path = tmp_path / f"{name}.properties"
        path.write_bytes(data)
        paths.append(str(path))
    java = str(Path(javac).with_name("java"))
    done = subprocess.run(
        [java, "-cp", str(classes), "PropertiesToJson", *paths],
        check=True,
        capture_output=True,
        timeout=120,
    )
    found: dict[str, dict[str, str]] = json.loads(done.stdout)
    return {Path(path).stem: values for path, values in found.items()}


def _kconnect_reads(path: Path) -> dict[str, str]:
    collector = Collector()
    props = parse_properties(read_text(str(path)), str(path), collector)
    assert collector.problems == []
    return {p.key: p.value for p in props}


def test_kconnect_reads_what_java_reads(tmp_path: Path) -> None:
    java = _java_reads(tmp_path, AGREED)
    assert set(java) == set(AGREED)
    for name in AGREED:
        assert _kconnect_reads(tmp_path / f"{name}.properties") == java[name], name
    # The corpus is tricky where it means to be (Java's answers, not ours).
    assert java["latin1"]["name"] == "café"
    assert java["escapes"]["smile"] == "\U0001f600"
    assert java["continuation"]["list"] == "a,b,c"
    assert java["windows-1252-ellipsis"]["note"] == "wait\x85 more"
    assert java["form-feed"]["k"] == "v"
    assert java["backslash-line-then-comment"] == {"name": "x", "k": "v"}


def _refused(tmp_path: Path, data: bytes) -> str:
    path = tmp_path / "bad.properties"
    path.write_bytes(data)
    with pytest.raises(ManifestError) as raised:
        load_manifests([str(path)], {})
    return "\n".join(str(p) for p in raised.value.problems)


def test_what_java_would_misread_is_refused_at_its_line(tmp_path: Path) -> None:
    utf8 = b"name=x\ntopic=caf\xc3\xa9\n"
    bom = b"\xef\xbb\xbfname=x\nk=v\n"
    half = b"name=x\nk=\\uD83D\n"
    duplicate = b"name=x\nk=1\nk=2\n"
    java = _java_reads(tmp_path, {"utf8": utf8, "bom": bom, "half": half, "duplicate": duplicate})
    # What Java makes of them: mojibake, a key that is not `name`, a lone surrogate, the last.
    assert java["utf8"]["topic"] == "cafÃ©"
    assert "name" not in java["bom"] and "\xef\xbb\xbfname" in java["bom"]
    assert java["half"]["k"] == "\ud83d"
    assert java["duplicate"]["k"] == "2"
    assert _refused(tmp_path, utf8) == (
        f"{tmp_path}/bad.properties:2: error: non-ASCII text saved as UTF-8 at column 10; "
        "standalone Connect reads .properties files as ISO-8859-1 and would see each byte as "
        "its own character: write each non-ASCII character as \\uXXXX (é as \\u00E9)"
        " [manifest/encoding]"
    )
    assert f"{tmp_path}/bad.properties:1: error: starts with a UTF-8 byte-order mark" in (
        _refused(tmp_path, bom)
    )
    assert f"{tmp_path}/bad.properties:2: error: \\uD83D is half of a surrogate pair" in (
        _refused(tmp_path, half)
    )
    assert "duplicate key 'k'" in _refused(tmp_path, duplicate)


def test_a_malformed_escape_java_refuses_is_refused(tmp_path: Path) -> None:
    bad = b"name=x\nk=\\u12G4\n"
    assert _java_reads(tmp_path, {"bad": bad})["bad"] == {"error": "Malformed \\uxxxx encoding."}
    assert "bad.properties:2: error: malformed \\uXXXX escape: \\u12G4" in _refused(tmp_path, bad)


def test_convert_writes_what_java_reads(cli: CliRunner, tmp_path: Path) -> None:
    source = tmp_path / "latin.properties"
    source.write_bytes(b"name=caf\xe9\r\nconnector.class=x.Y\r\ntopic=na\xefve \\u00A9\r\n")
    done = cli("convert", str(source), "--dir", "-")
    assert done.exit_code == 0, done.output
    assert "name: café\n" in done.stdout
    assert "  topic: naïve ©\n" in done.stdout
    with pytest.raises(TextProblem):
        (tmp_path / "utf8.properties").write_bytes(b"name=caf\xc3\xa9\n")
        read_text(str(tmp_path / "utf8.properties"))
