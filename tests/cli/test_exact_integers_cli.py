"""The issue's case as users meet it: JSON Lines ids of 17 digits with a gap, through
``convert``, ``annotate --project --out`` and ``export``: every output holds the digits."""

from __future__ import annotations

import openpyxl
import pandas as pd
import pytest

BIG, ODD = "12345678901234567", "9007199254740993"


@pytest.mark.slow  # four processes: ~10 s
def test_ids_survive_convert_annotate_and_export(cli, annotate_cli, tmp_path):
    src = tmp_path / "ids.jsonl"
    src.write_text(
        f'{{"id": {BIG}, "text": "good"}}\n{{"text": "no id"}}\n{{"id": {ODD}, "text": "bad"}}\n',
        encoding="utf-8",
    )
    convert = cli("convert")("ids.jsonl", "--out", "c.xlsx")
    assert convert.returncode == 0, convert.stderr
    assert "note: column 'id': integers of more than 15 digits written as text" in convert.stderr
    cells = [c.value for c in openpyxl.load_workbook(tmp_path / "c.xlsx")["data"]["A"]]
    assert cells == ["id", BIG, None, ODD]

    done, _ = annotate_cli(
        "ids.jsonl", "--model", "lexicon", "--project", "p.llmstudio", "--out", "a.csv"
    )
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "a.csv").read_text(encoding="utf-8").splitlines()[1].startswith(BIG + ",")

    export = cli("export")
    for out in ("e.csv", "e.parquet", "e.dta"):
        done = export("p.llmstudio", "--out", out)
        assert done.returncode == 0, done.stderr
    assert pd.read_csv(tmp_path / "e.csv", dtype=str)["id"].tolist()[::2] == [BIG, ODD]
    assert pd.read_parquet(tmp_path / "e.parquet")["id"].tolist()[::2] == [int(BIG), int(ODD)]
    assert pd.read_stata(tmp_path / "e.dta")["id"].tolist() == [BIG, "", ODD]
