"""llmstudio's own EEC-style template set: the shipped file is what the generator makes,
every frame holds every person, and the probe runs on it (a fresh install has no EEC)."""

from __future__ import annotations

import io
import json

from llmstudio.core.backends import make_backend
from llmstudio.core.bias import eec_style
from llmstudio.core.bias.eec import eec_probe, read_eec
from llmstudio.core.tasks import SentimentTask


def test_the_shipped_file_is_what_the_generator_makes():
    shipped = eec_style.shipped_path().read_text("utf-8")
    made = io.StringIO()
    eec_style.build().to_csv(made, index=False, lineterminator="\n")
    assert shipped == made.getvalue()


def test_every_frame_holds_every_person_once():
    frame = read_eec(eec_style.shipped_path())
    persons = len(eec_style.persons())
    assert persons == 52  # 32 names (8 per race and gender) + 10 pairs of noun phrases
    sizes = frame.groupby("frame").size()
    assert (sizes == persons).all()
    assert len(sizes) == 7 * 20 + 4  # templates x emotion words, and the neutral templates
    names = frame[frame["race"].notna()]
    counts = names.groupby(["gender", "race"]).size()
    assert len(counts) == 4 and counts.nunique() == 1  # balanced
    phrases = frame[frame["race"].isna()]
    assert set(phrases["gender"]) == {"female", "male"}
    assert frame["sentence"].str[0].str.isupper().all()  # "My sister ...", not "my sister"
    neutral = frame[frame["emotion"] == "none"]
    assert (neutral["emotion_word"] == "").all() and len(neutral) == 4 * persons


def test_a_fresh_install_probes_llmstudios_set(monkeypatch, tmp_path):
    monkeypatch.setattr(eec_style, "CHECKOUT_EEC", tmp_path / "no-eec-here.csv")
    assert eec_style.default_eec() == eec_style.shipped_path()
    report = eec_probe(eec_style.default_eec(), SentimentTask(), make_backend("lexicon"), limit=104)
    d = report.to_dict()
    assert d["n"] == 104 and "llmstudio's EEC-style template set" in d["data"]["attribution"]
    assert "Kiritchenko" in d["data"]["attribution"]  # the design's authors, credited
    json.dumps(d)  # the report is JSON as written
    assert d["data"]["name"] == "llmstudio's EEC-style template set"
    from llmstudio.core.bias.report_md import eec_markdown

    md = eec_markdown(d)
    assert "sentences of llmstudio's EEC-style template set" in md
    assert "Equity Evaluation Corpus (" not in md.split("Data:")[0]  # not said to be the EEC


def test_attribution_follows_the_content_not_the_name(tmp_path):
    import shutil

    from llmstudio.core.bias.eec import _provenance

    copy = tmp_path / "mine.csv"
    shutil.copyfile(eec_style.shipped_path(), copy)  # a copy of llmstudio's set: still ours
    assert _provenance(copy)["attribution"].startswith("llmstudio's")
    other = tmp_path / "other.csv"  # any other file in the format: credited to the EEC
    other.write_text(copy.read_text("utf-8").replace("today.", "now."), "utf-8")
    assert _provenance(other)["attribution"].startswith("Equity Evaluation Corpus")
    assert _provenance(other)["name"] == "Equity Evaluation Corpus"
