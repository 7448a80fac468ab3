"""Blind codes: stored with every click, counted per comparison (blind / not blind / not
recorded), the warning when a model is compared with codes made in sight of its answers,
the Validate view's report (reasons, no duplicate, precision), and a check's sample size."""

from __future__ import annotations

import json
import math

import pandas as pd
import pytest

from llmstudio.core import human_codes as hc
from llmstudio.core.blind import BlindCounts, blind_counts, blind_warning
from llmstudio.core.check_run import codebook_for_run, expected_width, worth_checking
from llmstudio.core.codebook import Code, Codebook
from llmstudio.core.corpus import Corpus
from llmstudio.core.project import Project
from llmstudio.core.stats.intervals import rows_for_width, wilson, wilson_width
from llmstudio.core.validation import report, sources
from llmstudio.core.validation_report import USEFUL_WIDTH, to_markdown, write_report

BOOK = Codebook(codes=(Code("positive"), Code("negative"), Code("neutral")), name="Tone")


def _corpus(rows: int) -> Corpus:
    frame = pd.DataFrame({"text": pd.array([f"text {i}" for i in range(rows)], dtype="str")})
    return Corpus(frame=frame, text_column="text", source="t.csv")


@pytest.fixture
def project(tmp_path):
    with Project.create(tmp_path / "b.llmstudio", _corpus(10)) as p:
        p.save_codebook(BOOK)
        yield p


def add_run(
    p: Project, labels: dict[int, str], task="sentiment", created="2026-01-01T00:00:00"
) -> int:
    """A finished run as the runner stores it (``created`` decides which codes came first)."""
    params = (
        {"task": "sentiment", "labels": ["positive", "negative", "neutral"]}
        if task == "sentiment"
        else {"task": "code", "codebook": BOOK.to_dict()}
    )
    with p.db:
        cur = p.db.execute(
            "INSERT INTO runs (spec_key, task, params, backend, fingerprint, text_column, "
            "columns, status, rows_total, created, finished) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            (
                f"k{created}{task}",
                task,
                json.dumps(params),
                "lexicon",
                "{}",
                "text",
                json.dumps([f"{task}_label"]),
                "done",
                int(p.meta("rows")),
                created,
                created,
            ),
        )
        p.db.executemany(
            "INSERT INTO annotations (run_id, row_id, output) VALUES (?,?,?)",
            [(cur.lastrowid, r, json.dumps({f"{task}_label": lab})) for r, lab in labels.items()],
        )
    return cur.lastrowid


def test_every_click_stores_its_mode_and_reads_it_back(project):
    assert hc.record(project, BOOK, "ana", 0, ["positive"], blind=True).blind is True
    assert hc.record(project, BOOK, "ana", 1, ["positive"], blind=False).blind is False
    assert hc.record(project, BOOK, "ana", 2, ["positive"]).blind is None
    stored = {c.row_id: c.blind for c in hc.current(project, "Tone", "ana")}
    assert stored == {0: True, 1: False, 2: None}
    raw = dict(project.db.execute("SELECT row_id, blind FROM human_codes"))
    assert raw == {0: 1, 1: 0, 2: None}


def test_counts_take_every_click_on_the_row_into_account(project):
    # row 0: blind throughout; row 1: blind, then once with the model in view; row 2: an
    # old click of unknown mode, then blind; row 3: not blind; row 4 not compared
    hc.record(project, BOOK, "ana", 0, ["positive"], blind=True)
    hc.record(project, BOOK, "ana", 1, ["positive"], blind=True)
    hc.record(project, BOOK, "ana", 1, ["negative"], blind=False)
    hc.record(project, BOOK, "ana", 2, ["neutral"])
    hc.record(project, BOOK, "ana", 2, ["neutral"], blind=True)
    hc.record(project, BOOK, "ana", 3, ["neutral"], blind=False)
    hc.record(project, BOOK, "ana", 4, ["neutral"], blind=False)
    add_run(project, dict.fromkeys(range(10), "positive"), created="2000-01-01T00:00:00")
    counts = blind_counts(project, "Tone", "ana", [0, 1, 2, 3, 9])
    assert (counts.blind, counts.not_blind, counts.not_recorded) == (1, 2, 1)
    assert counts.total == 4 and counts.before_models == 0
    assert counts.describe() == "ana: 1 blind, 2 not blind, 1 not recorded"


def test_the_warning_names_codes_seen_and_codes_not_recorded(project):
    assert blind_warning([BlindCounts("ana", blind=10)], "run 1") is None
    text = blind_warning([BlindCounts("ana", blind=5, not_blind=3, not_recorded=2)], "run 1")
    assert "3 of ana's 10 codes compared were made with blind coding off" in text
    assert "for 2 of ana's codes it was not recorded" in text and "run 1" in text
    # codes made before any model run existed could not have seen an answer: no warning
    early = BlindCounts(
        "ana", blind=5, not_blind=3, not_recorded=2, not_blind_early=3, not_recorded_early=2
    )
    assert blind_warning([early], "run 1") is None


def test_codes_made_before_the_first_run_are_counted_apart(project):
    hc.record(project, BOOK, "ana", 0, ["positive"])  # before: not recorded
    hc.record(project, BOOK, "ana", 1, ["negative"], blind=False)  # before: not blind
    add_run(project, dict.fromkeys(range(10), "positive"), created="2999-01-01T00:00:00")
    counts = blind_counts(project, "Tone", "ana", range(10))
    assert counts.before_models == 2 and counts.seen == 0 and counts.unknown == 0


def test_the_report_warns_for_a_model_compared_with_codes_made_in_sight(project):
    run = add_run(
        project,
        {r: ["positive", "negative"][r % 2] for r in range(10)},
        created="2000-01-01T00:00:00",
    )
    for r in range(10):
        hc.record(project, BOOK, "ana", r, [["positive", "negative"][r % 2]], blind=r < 6)
        hc.record(project, BOOK, "ben", r, ["positive"], blind=True)
    found = {
        s.title.split(" ")[0] + (s.key if s.kind == "run" else ""): s
        for s in sources(project, BOOK)
    }
    ana, ben, model = found["ana"], found["ben"], found[f"run{run}"]
    rep, result, _ = report(project, BOOK, ana, model, n_resamples=50)
    assert [(c.coder, c.blind, c.not_blind) for c in rep.blind] == [("ana", 6, 4)]
    assert "4 of ana's 10 codes compared were made with blind coding off" in rep.warning
    # coder vs coder: counts, but no model warning
    rep2, _, _ = report(project, BOOK, ana, ben, n_resamples=50)
    assert [c.coder for c in rep2.blind] == ["ana", "ben"] and rep2.warning == ""
    # percent agreement is accuracy with two sources: shown once, under one name
    names = [s.name for s in rep.stats]
    assert "Percent agreement (= accuracy)" in names and "Accuracy" not in names
    assert result.accuracy.value == result.percent_agreement.value
    # ben gives one code only: kappa with ben undefined, and why
    by_name = {s.name: s for s in rep2.stats}
    assert by_name["Krippendorff's alpha (nominal)"].value is not None
    per = {label: (p, r) for label, p, r, _, _ in rep2.per_code}
    assert per["negative"][0].value is None
    assert per["negative"][0].note == (
        "undefined: 'negative' is never given by the comparison (ben (coder))"
    )
    # n = 10: the interval is far too wide, and the report says what n would do
    assert "n = 10 is too small" in rep.precision and "rows would narrow it" in rep.precision
    # 10 of 10 agree: the bootstrap interval has no width; the Wilson interval is given
    agree = rep.stats[0]
    assert agree.ci_low == agree.ci_high == 1.0
    low, high = wilson(10, 10)
    assert f"Wilson 95% CI {low:.3f} – {high:.3f}" in agree.note


def test_one_code_only_gives_the_reason_not_a_bare_undefined(project):
    for r in range(6):
        hc.record(project, BOOK, "ana", r, ["neutral"], blind=True)
        hc.record(project, BOOK, "ben", r, ["neutral"], blind=True)
    found = {s.key: s for s in sources(project, BOOK)}
    rep, _, _ = report(project, BOOK, found["ana"], found["ben"], n_resamples=20)
    kappa = next(s for s in rep.stats if s.name == "Cohen's kappa")
    assert kappa.value is None and "only one code occurs ('neutral')" in kappa.note
    assert all(s.value is not None or s.note.startswith("undefined: ") for s in rep.stats)


def test_all_coders_pairwise_without_shared_rows_says_so(project):
    hc.record(project, BOOK, "ana", 0, ["positive"], blind=True)
    hc.record(project, BOOK, "ben", 0, ["negative"], blind=True)
    hc.record(project, BOOK, "ana", 1, ["negative"], blind=True)
    hc.record(project, BOOK, "cy", 1, ["negative"], blind=True)
    found = {s.key: s for s in sources(project, BOOK)}
    rep, _, _ = report(project, BOOK, found["ana"], found["all coders"], n_resamples=20)
    pair = next(s for s in rep.stats if s.name == "Cohen's kappa, ben / cy")
    assert pair.value is None and "no rows coded by both ben and cy" in pair.note
    fleiss = next(s for s in rep.stats if s.name.startswith("Fleiss"))
    assert fleiss.note == "undefined: no row was coded by every coder"


def test_the_report_is_written_as_csv_and_markdown_and_reads_back(project, tmp_path):
    import csv

    run = add_run(project, dict.fromkeys(range(10), "positive"))
    for r in range(8):
        hc.record(project, BOOK, "ana", r, [["positive", "negative"][r % 2]], blind=True)
    found = {s.key: s for s in sources(project, BOOK)}
    rep, result, _ = report(project, BOOK, found["ana"], found[str(run)], n_resamples=30)
    rows = list(csv.DictReader(open(write_report(rep, tmp_path / "v.csv"), encoding="utf-8")))
    stat = next(r for r in rows if r["name"] == "Percent agreement (= accuracy)")
    assert float(stat["value"]) == pytest.approx(result.percent_agreement.value)
    assert stat["n"] == "8"
    cells = {r["name"]: r["value"] for r in rows if r["table"] == "confusion"}
    assert cells["ana (coder): negative / " + found[str(run)].title + ": positive"] == "4"
    md = (write_report(rep, tmp_path / "v.md")).read_text("utf-8")
    assert md == to_markdown(rep) and "| Percent agreement (= accuracy) | 0.500 |" in md
    assert "## Confusion matrix" in md and "ana: 8 blind" in md
    with pytest.raises(Exception, match=r"\.csv or \.md"):
        write_report(rep, tmp_path / "v.xlsx")


def test_the_csv_names_the_interval_note_apart_from_the_precision_statistic(project, tmp_path):
    """Seen: the n-too-small note was the CSV row ("about", "Precision"), beside the per-code
    rows named "precision": a reader takes the note for the statistic."""
    import csv

    run = add_run(project, dict.fromkeys(range(10), "positive"))
    for r in range(8):
        hc.record(project, BOOK, "ana", r, [["positive", "negative"][r % 2]], blind=True)
    found = {s.key: s for s in sources(project, BOOK)}
    rep, _, _ = report(project, BOOK, found["ana"], found[str(run)], n_resamples=30)
    assert rep.precision  # n = 8: too small
    rows = list(csv.DictReader(open(write_report(rep, tmp_path / "v.csv"), encoding="utf-8")))
    about = {r["name"]: r["note"] for r in rows if r["table"] == "about"}
    assert about["Interval width"] == rep.precision
    assert not any(r["name"].lower() == "precision" for r in rows if r["table"] != "per code")


def test_interval_width_for_a_sample_of_n():
    low, high = wilson(80, 100)
    assert wilson_width(0.8, 100) == pytest.approx(high - low)
    assert expected_width(100) == pytest.approx(wilson_width(0.8, 100))
    assert expected_width(400) < expected_width(100) < expected_width(25)
    n = rows_for_width(0.8, USEFUL_WIDTH)
    assert wilson_width(0.8, n) <= USEFUL_WIDTH < wilson_width(0.8, n - 1)
    assert math.isinf(wilson_width(0.5, 0))


def test_which_runs_are_worth_checking_and_their_codebook(tmp_path):
    with Project.create(tmp_path / "c.llmstudio", _corpus(250)) as p:
        small = add_run(p, dict.fromkeys(range(150), "positive"), created="2026-01-01T00:00:01")
        big = add_run(p, dict.fromkeys(range(250), "positive"), created="2026-01-01T00:00:02")
        assert not worth_checking(p, small) and worth_checking(p, big)
        book = codebook_for_run(p, big)  # no codebook yet: one of the run's labels
        assert book.name == "Sentiment" and book.names == ("positive", "negative", "neutral")
        assert p.codebooks() == ["Sentiment"]
        assert codebook_for_run(p, big) == book  # found again, not made twice
        assert any(s.run_id == big for s in sources(p, book))
        coding = add_run(
            p, dict.fromkeys(range(250), "neutral"), task="code", created="2026-01-01T00:00:03"
        )
        assert codebook_for_run(p, coding).name == "Tone" and "Tone" in p.codebooks()


def test_a_deleted_run_still_counts_as_having_been_in_view(project):
    """Codes made with blind off beside run 1's answers, then run 1 deleted and run 2 made:
    the history keeps run 1's start, so the codes are not taken as made before any run."""
    with project.db:
        project.db.execute(
            "INSERT INTO history (action, detail, at) VALUES ('run', 'run 1', "
            "'2000-01-01T00:00:00.000Z')"
        )
    hc.record(project, BOOK, "ana", 0, ["positive"], blind=False)
    add_run(project, dict.fromkeys(range(10), "positive"), created="2999-01-01T00:00:00")
    counts = blind_counts(project, "Tone", "ana", range(10))
    assert counts.not_blind == 1 and counts.before_models == 0 and counts.seen == 1


def test_the_rows_needed_are_planned_for_the_least_favourable_value():
    from llmstudio.core.stats import Estimate
    from llmstudio.core.validation_report import precision_note

    note = precision_note(Estimate(1.0, 1.0, 1.0, 5), 5)  # 5 of 5: the bootstrap has no width
    low, _ = wilson(5, 5)
    need = rows_for_width(max(0.5, low), USEFUL_WIDTH)
    assert f"about {need:,} rows would narrow it" in note and need > 50
    assert precision_note(Estimate(0.8, 0.72, 0.87, 100), 100) == ""  # useful: no note
