"""An attribution written out: the HTML page and the table of words (CSV, XLSX)."""

from __future__ import annotations

import html

import pandas as pd
import pytest

from llmstudio.core.errors import ExportError
from llmstudio.core.explain.attribution import OCCLUSION, WHAT_IT_IS, Attribution, WeightedWord
from llmstudio.core.explain.colours import LOWERED, RAISED, hex_colour, weight_colour
from llmstudio.core.explain.export import write_attribution
from llmstudio.core.explain.words import split_words

TEXT = "Rents <rise> fast,\nsaid =SUM(A1)."


def attribution() -> Attribution:
    words = split_words(TEXT)
    weights = [0.4, -0.2, 0.0, None, 0.05, -0.4]
    assert len(words) == len(weights)
    return Attribution(
        text=TEXT,
        words=[WeightedWord(w, x) for w, x in zip(words, weights, strict=True)],
        method=OCCLUSION,
        model="hf:tiny",
        run_title="run 3",
        row=4,
        label="negative",
        score=0.75,
        score_kind="probability",
        requests=8,
        notes=["the model gave no answer for 1 of 6 texts with words left out"],
    )


def test_colours_run_from_blue_through_white_to_orange():
    assert weight_colour(0.4, 0.4) == RAISED and weight_colour(-0.4, 0.4) == LOWERED
    assert weight_colour(0.0, 0.4) == (255, 255, 255)
    half = weight_colour(0.2, 0.4)
    assert RAISED[0] < half[0] <= 255 and RAISED[2] < half[2] < 255


def test_html_page_shows_each_word_on_its_colour_with_the_facts(tmp_path):
    path = write_attribution(attribution(), tmp_path / "why.html")
    page = path.read_text("utf-8")
    assert f'background:{hex_colour(RAISED)};color:#ffffff" title="+0.4000">Rents</span>' in page
    assert f'background:{hex_colour(LOWERED)};color:#ffffff" title="-0.4000">A1</span>' in page
    assert 'title="no answer without this word">said</span>' in page
    assert "&lt;" in page and "<rise>" not in page  # the text is escaped, never markup
    assert "fast</span>,<br>" in page  # punctuation and line breaks kept between words
    for fact in ("Row</th><td>5", "hf:tiny", "run 3", "negative", "0.7500", "occlusion"):
        assert fact in page
    assert html.escape(WHAT_IT_IS) in page
    assert "no answer for 1 of 6 texts" in page


def test_table_of_words_as_csv_and_xlsx(tmp_path):
    csv = pd.read_csv(write_attribution(attribution(), tmp_path / "why.csv"))
    assert list(csv.columns) == ["word", "start", "end", "weight"]
    assert csv["word"].tolist()[:3] == ["Rents", "rise", "fast"]
    assert [TEXT[s:e] for s, e in zip(csv["start"], csv["end"], strict=True)] == csv[
        "word"
    ].tolist()
    assert csv["weight"].isna().tolist() == [False, False, False, True, False, False]
    xlsx = pd.read_excel(write_attribution(attribution(), tmp_path / "why.xlsx"))
    assert xlsx["weight"].iloc[0] == pytest.approx(0.4) and xlsx["word"].iloc[-1] == "A1"
    assert xlsx["start"].tolist() == csv["start"].tolist()


def test_another_suffix_is_refused_with_the_ones_it_takes(tmp_path):
    with pytest.raises(ExportError, match=r"why\.pdf: .*\.html.*\.csv, \.xlsx"):
        write_attribution(attribution(), tmp_path / "why.pdf")
    assert not (tmp_path / "why.pdf").exists()
