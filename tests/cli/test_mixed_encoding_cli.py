"""A file mixing UTF-8 and cp1252 lines, as users meet it in the CLI (issue 14, item 3):
``inspect`` lists the lines read as cp1252, ``convert`` writes every text right and says
which lines it decoded how."""

from __future__ import annotations

import json


def test_inspect_and_convert_a_file_mixing_encodings(cli, tmp_path):
    (tmp_path / "mixed.csv").write_bytes(
        b"id,text\n1,caf\xc3\xa9\n2,na\xefve\n3,d\xc3\xa9j\xc3\xa0 vu\n"
    )
    inspect = cli("inspect")("mixed.csv", "--json")
    assert inspect.returncode == 0, inspect.stderr
    summary = json.loads(inspect.stdout)
    assert summary["encoding"] == "utf-8 + cp1252" and summary["rows"] == 3
    assert summary["problems"] == [
        "line 3: the file mixes encodings: 1 line is not valid UTF-8 and was read as cp1252 "
        "(line 3); the other 3 lines as UTF-8. Check that row, or choose one encoding for "
        "the whole file"
    ]
    convert = cli("convert")("mixed.csv", "--out", "out.csv")
    assert convert.returncode == 0, convert.stderr
    assert "note: line 3: the file mixes encodings" in convert.stderr
    assert (tmp_path / "out.csv").read_text(encoding="utf-8").splitlines() == [
        "id,text",
        "1,café",
        "2,naïve",
        "3,déjà vu",
    ]
