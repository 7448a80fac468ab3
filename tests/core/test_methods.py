"""The methods record: every field the issue asks for appears, in Markdown and in HTML,
and nothing secret or unescaped gets in."""

from __future__ import annotations

import html
import json
import re

import pytest

from llmstudio.core.errors import ExportError
from llmstudio.core.methods import build_record, write_methods
from llmstudio.core.methods_document import REDACTED
from llmstudio.core.project import Project
from llmstudio.core.sampling import load_sample
from llmstudio.core.secrets import redact
from llmstudio.core.validation import Source, compare

from annotated_project import make_project

BIAS = {
    "n": 40,
    "changed": 3,
    "changed_share": 0.075,
    "changed_share_ci_low": 0.02,
    "changed_share_ci_high": 0.15,
    "mean_difference": -0.012,
    "ci_low": -0.03,
    "ci_high": 0.004,
    "p_value": 0.21,
    "test": "Wilcoxon signed-rank",
    "task": "sentiment",
    "model": "lexicon",
    "swap_list": {"name": "gender", "pairs": 57, "source": "builtin", "note": ""},
}


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    folder = tmp_path_factory.mktemp("methods")
    path = make_project(folder)
    with Project.open(path) as p:
        # A key pasted into a prompt by mistake must never reach a published record.
        p.db.execute(
            "UPDATE runs SET prompt = ? WHERE id = 1",
            (
                json.dumps(
                    [{"role": "user", "content": "<b>Rate</b> {text} sk-secretKEY1234567890"}]
                ),
            ),
        )
        p.db.commit()
        yield p


@pytest.fixture(scope="module")
def bias_report(tmp_path_factory):
    path = tmp_path_factory.mktemp("bias") / "report.json"
    path.write_text(json.dumps(BIAS), "utf-8")
    return path


@pytest.fixture(scope="module")
def texts(project, bias_report, tmp_path_factory):
    out = tmp_path_factory.mktemp("out")
    md = write_methods(
        project, out / "methods.md", bias_reports=[bias_report], n_resamples=200
    ).read_text("utf-8")
    page = write_methods(
        project, out / "methods.html", bias_reports=[bias_report], n_resamples=200
    ).read_text("utf-8")
    plain = re.sub(r"[ \t]+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page)))
    return md, page, plain


def _unescaped_md(md: str) -> str:
    return re.sub(r"\\([\\`*\[\]<>|])", r"\1", md.replace("**", ""))


def fields(project) -> list[str]:
    """Every value the record must hold, from the project itself."""
    out = []
    for (
        run_id,
        task,
        params,
        backend,
        fp,
        status,
        created,
        finished,
        software,
        total,
    ) in project.db.execute(
        "SELECT id, task, params, backend, fingerprint, status, created, finished, "
        "software, rows_total FROM runs"
    ):
        fp = json.loads(fp)
        out += [
            f"Run {run_id}: {task} with {fp['model']}",
            f"model: {fp['model']}",
            f"revision or file hash: {fp['revision']}",
            f"backend: {backend}",
            f"task: {task}",
            f"state: {'complete' if status == 'done' else status}",
            f"started: {created}",
            f"finished: {finished}",
            f"software: {software}",
            f"rows: {total:,} done, 0 failed",
            "endpoint host: none (local)",
        ]
        out += json.loads(params)["labels"]
    return out


def test_every_run_field_appears_in_both(project, texts):
    md, page, plain = texts
    for text in (_unescaped_md(md), plain):
        for value in fields(project):
            assert value in text, value
        assert "[system]" in text and "You classify the sentiment" in text  # full prompt
        assert "Prompt: not sent. The lexicon model scores each text directly" in text
        assert "Rate" in text
        assert '"prompt_version": 1' in text or "&quot;prompt_version&quot;" in text
        assert "thresholds" in text  # model parameters
        assert "none (local)" in text  # endpoint host: a local model has none
        assert "pandas " in text and "Python " in text  # software versions


def test_human_coding_sample_and_agreement_with_cis(project, texts):
    md, _, plain = texts

    book = project.codebook("sentiment")
    ana, bo = Source("coder", "ana", "ana (coder)"), Source("coder", "bo", "bo (coder)")
    result, _ = compare(project, book, ana, bo, n_resamples=200)
    kappa = result.cohen_kappa
    run = Source("run", "2", "run 2: sentiment by lexicon (complete)")
    model, _ = compare(project, book, ana, run, n_resamples=200)
    sample = load_sample(project, "sentiment")
    for text in (_unescaped_md(md), plain):
        assert "| ana | 5 |" in md and "| bo | 5 |" in md
        assert sample.describe() in text
        assert "the text is favourable" in text  # the codebook's definitions
        assert f"{kappa.value:.3f} [{kappa.ci_low:.3f}, {kappa.ci_high:.3f}]" in text
        mk = model.cohen_kappa
        assert f"{mk.value:.3f} [{mk.ci_low:.3f}, {mk.ci_high:.3f}]" in text
        assert "run 2: sentiment by lexicon (complete)" in text
        assert "run 1: sentiment by lexicon (complete)" in text
        assert "200 resamples" in text


def test_bias_report_and_suggested_paragraph(project, texts, bias_report):
    md, _, plain = texts
    for text in (_unescaped_md(md), plain):
        assert str(bias_report) in text
        assert "gender" in text and "Wilcoxon signed-rank" in text and "0.075" in text
        paragraph = text.split("Suggested methods paragraph", 1)[1]
        assert "vader" in paragraph and "sentiment" in paragraph
        assert "6 of 6 texts" in paragraph
        assert "Cohen's kappa =" in paragraph and "95% CI" in paragraph
        assert "7.5%" in paragraph


def test_no_key_and_everything_escaped(texts):
    md, page, _ = texts
    for text in (md, page):
        assert "sk-secretKEY" not in text and "[redacted]" in text
    assert "<b>Rate</b>" not in page and "&lt;b&gt;Rate&lt;/b&gt;" in page
    assert page.count("<b>") == page.count("</b>")  # only the record's own bold labels
    assert redact("key api_key=abc123 and sk-abcdefghijkl", mark=REDACTED) == (
        "key [redacted] and [redacted]"
    )


def test_without_codes_or_bias_it_says_so(tmp_path):
    from llmstudio.core.corpus import read_table

    (tmp_path / "c.csv").write_text("text\nhello\n", "utf-8")
    with Project.create(tmp_path / "e.llmstudio", read_table(tmp_path / "c.csv")) as p:
        md = build_record(p).markdown()
    assert "No model runs are stored" in md and "No human codes" in md
    assert "the project does not store them" in md


def test_bad_bias_report_and_suffix_are_refused(project, tmp_path):
    (tmp_path / "bad.json").write_text("[1, 2]", "utf-8")
    with pytest.raises(ExportError, match="not a bias report"):
        write_methods(project, tmp_path / "m.md", bias_reports=[tmp_path / "bad.json"])
    with pytest.raises(ExportError, match="cannot read"):
        write_methods(project, tmp_path / "m.md", bias_reports=[tmp_path / "none.json"])
    with pytest.raises(ExportError, match=".md"):
        write_methods(project, tmp_path / "m.txt")
    assert not (tmp_path / "m.md").exists()


def test_failed_rows_and_an_api_endpoint_are_recorded(tmp_path):
    from llmstudio.core.annotated import annotated_table

    with Project.open(make_project(tmp_path)) as p:
        p.db.execute(
            "UPDATE annotations SET output = NULL, error = 'HTTP 500 after 3 tries' "
            "WHERE run_id = 2 AND row_id = 1"
        )
        fp = json.loads(p.db.execute("SELECT fingerprint FROM runs WHERE id = 2").fetchone()[0])
        fp.update(endpoint="api.example.org", model="gpt-test")
        p.db.execute(
            "UPDATE runs SET fingerprint = ?, backend = 'openai' WHERE id = 2", (json.dumps(fp),)
        )
        p.db.commit()
        md = _unescaped_md(build_record(p, n_resamples=0).markdown())
        frame, _ = annotated_table(p)
    assert "rows: 5 done, 1 failed, of 6 asked" in md
    assert "endpoint host: api.example.org" in md and "backend: openai" in md
    assert "served at api.example.org" in md and "1 text failed" in md
    assert frame["sentiment_error"].iloc[1] == "HTTP 500 after 3 tries"


PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)


def test_charts_are_linked_from_markdown_and_embedded_in_html(project, tmp_path):
    import base64

    chart = tmp_path / "charts" / "sentiment_by_party.png"
    chart.parent.mkdir()
    chart.write_bytes(PNG)
    md = write_methods(project, tmp_path / "m.md", charts=[chart], n_resamples=0).read_text("utf-8")
    assert "## Charts" in md and "![sentiment by party](charts/sentiment_by_party.png)" in md
    page = write_methods(project, tmp_path / "m.html", charts=[chart], n_resamples=0).read_text(
        "utf-8"
    )
    assert f'src="data:image/png;base64,{base64.b64encode(PNG).decode()}"' in page
    assert "<figcaption>sentiment by party</figcaption>" in page
    with pytest.raises(ExportError, match="no such chart"):
        write_methods(project, tmp_path / "x.md", charts=[tmp_path / "none.png"])
    with pytest.raises(ExportError, match="is a .png"):
        write_methods(project, tmp_path / "x.md", charts=[tmp_path / "m.md"])
    assert not (tmp_path / "x.md").exists()


@pytest.mark.parametrize(
    "backend, pipeline_task, direct",
    [
        ("builtin", None, True),
        ("lexicon", None, True),
        ("hf", "embeddings", True),
        ("hf", "text-classification", True),
        ("hf", "zero-shot-classification", True),
        ("hf", "text-generation", False),
        ("openai", None, False),
    ],
)
def test_only_models_that_read_the_prompt_are_said_to_get_it(backend, pipeline_task, direct):
    from types import SimpleNamespace

    from llmstudio.core.methods_facts import scores_directly

    fingerprint = {"pipeline_task": pipeline_task} if pipeline_task else {}
    assert scores_directly(SimpleNamespace(backend=backend, fingerprint=fingerprint)) is direct


def test_multi_label_codes_get_agreement_per_code(tmp_path):
    from llmstudio.core import human_codes
    from llmstudio.core.codebook import Code, Codebook
    from llmstudio.core.methods_facts import agreement_rows

    book = Codebook((Code("Housing"), Code("Transport")), name="issues", multi_label=True)
    path = make_project(tmp_path)
    # "none": read, no code applies (an empty list would be "not coded")
    given = {
        "ana": [["Housing"], ["Housing", "Transport"], ["none"], ["Transport"], ["Housing"]],
        "bo": [["Housing"], ["Transport"], ["none"], ["Transport"], ["none"]],
    }
    with Project.open(path) as p:
        p.save_codebook(book)
        for coder, rows in given.items():
            for row, codes in enumerate(rows):
                human_codes.record(p, book, coder, row, codes)
        rows = [a for a in agreement_rows(p, n_resamples=200) if a.codebook == "issues"]
        assert [a.code for a in rows] == ["Housing", "Transport"]
        ana, bo = Source("coder", "ana", "ana (coder)"), Source("coder", "bo", "bo (coder)")
        for a in rows:
            expected, _ = compare(p, book, ana, bo, code=a.code, n_resamples=200)
            assert a.result.cohen_kappa.value == pytest.approx(expected.cohen_kappa.value)
            assert a.result.n == 5
        # Housing: ana says it applies on rows 0, 1, 4; bo on row 0 only: 3 of 5 agree.
        assert rows[0].result.percent_agreement.value == pytest.approx(3 / 5)
        md = build_record(p, n_resamples=200).markdown(tmp_path)
    assert "issues: Housing" in md and "issues: Transport" in md
    assert "on the code 'Housing' (applies or not)" in md


def test_an_interrupted_run_is_said_so_and_never_reported_as_the_result(tmp_path):
    """Killed mid-way (status running, its process gone): the record names its state, and
    the suggested paragraph reports the complete run only."""
    import subprocess
    import sys

    from llmstudio.core.methods import build_record

    path = make_project(tmp_path)
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    with Project.open(path) as project:
        with project.db:
            project.db.execute("DELETE FROM annotations WHERE run_id = 2 AND row_id >= 2")
            project.db.execute(
                "UPDATE runs SET status = 'running', finished = NULL, pid = ? WHERE id = 2",
                (dead.pid,),
            )
        text = build_record(project, n_resamples=0).markdown(tmp_path)
    assert "### Run 2: sentiment with vader (interrupted)" in text
    assert "state:** interrupted, 2 of 6 rows" in text
    paragraph = text.split("Suggested methods paragraph")[1]
    assert "(run 1," in paragraph and "(run 2," not in paragraph


def test_the_record_says_how_the_human_codes_were_made_and_warns(tmp_path):
    """Codes of unrecorded mode made after the runs: counted, and the model comparison
    warned about; after ana recodes a row blind and bo with the model in view, the
    counts follow (every click on a row counts)."""
    from llmstudio.core import human_codes

    from annotated_project import BOOK

    path = make_project(tmp_path)
    with Project.open(path) as p:
        human_codes.record(p, BOOK, "bo", 4, ["positive"], blind=False)
        text = build_record(p, n_resamples=20).markdown()
    assert "| coder | rows coded | coded blind | not blind | mode not recorded |" in text
    assert "| ana | 5 | 0 | 0 | 5 |" in text and "| bo | 6 | 0 | 1 | 5 |" in text
    assert "for 5 of ana's codes it was not recorded whether the model's answers" in text
    assert "1 of bo's 6 codes compared were made with blind coding off" in text
    assert "ana 0 / 0 / 5" in text  # the agreement table's column
    assert "n = 5 is too small for the interval to be useful" in text


def test_the_codebook_in_the_record_keeps_its_tree():
    """Child codes are part of the codebook a reader must see: the record listed only the
    top-level codes of a tree codebook."""
    from llmstudio.core.codebook import Code, Codebook
    from llmstudio.core.methods_facts import codebook_text

    book = Codebook(
        codes=(
            Code("Housing", "Where people live"),
            Code("Rent", "What renting costs", include="deposits", parent="Housing"),
            Code("Evictions", parent="Rent"),
            Code("Health"),
        ),
        name="Themes",
    )
    assert codebook_text({"codebook": book.to_dict()}).splitlines() == [
        "codebook 'Themes': single-label",
        "- Housing: Where people live",
        "  - Rent: What renting costs",
        "    include: deposits",
        "    - Evictions",
        "- Health",
    ]


def test_coders_who_marked_only_passages_are_in_the_human_coding(tmp_path):
    """A project coded in passages only said "No human codes are stored in this project";
    the coders of passages are named with how many they marked, and the suggested
    paragraph does not count only the coders of whole texts."""
    import pandas as pd

    from llmstudio.core import human_codes
    from llmstudio.core import passages as ps
    from llmstudio.core.codebook import Code, Codebook
    from llmstudio.core.corpus import Corpus

    book = Codebook(codes=(Code("Housing"), Code("Rent", parent="Housing")), name="Themes")
    frame = pd.DataFrame({"text": pd.array(["Rent doubled.", "No homes."], dtype="str")})
    with Project.create(tmp_path / "p.llmstudio", Corpus(frame=frame, text_column="text")) as p:
        p.save_codebook(book)
        ps.add(p, book, "ana", 0, 0, 4, "Rent")
        ps.add(p, book, "ana", 1, 3, 8, "Housing")
        ps.add(p, book, "ben", 0, 0, 12, "Rent")
        md = build_record(p, n_resamples=20).markdown()
        assert "No human codes" not in md
        section = md.split("## Human coding")[1].split("\n## ")[0]
        assert "  - Rent" in section  # the tree, under "### Codebook Themes"
        assert "| ana | 0 | 0 | 0 | 0 | 0 | 2 |" in section
        assert "| ben | 0 | 0 | 0 | 0 | 0 | 1 |" in section
        assert (
            "2 human coders coded with the codebook 'Themes': ana (2 passages), ben (1 passage)."
            in md
        )
        human_codes.record(p, book, "cleo", 1, ["Housing"])  # a whole text as well
        md = build_record(p, n_resamples=20).markdown()
        said = "ana (2 passages), ben (1 passage), cleo (1 text)"
        assert f"3 human coders coded with the codebook 'Themes': {said}." in md


def test_the_record_gives_corrected_estimates_beside_the_naive_ones(tmp_path):
    from llmstudio.core.estimate_sources import GOLD, MODEL, project_columns
    from llmstudio.core.estimates import corrected_estimates
    from llmstudio.core.methods import build_record

    from helpers.ppi_project import make_ppi_project

    path = make_ppi_project(tmp_path)
    with Project.open(path) as project:
        record = build_record(project).markdown()
        frame, origin, _ = project_columns(project, 1, "ana")
    report = corrected_estimates(frame, MODEL, GOLD, origin)
    assert "## Corrected estimates" in record
    assert "coded by ana" in record and "prediction-powered inference" in record
    for e in report.estimates:  # the same numbers as `llmstudio estimate --run 1`
        assert f"{100 * e.ppi_plus:.1f}% ({100 * e.ppi_plus_ci_low:.1f}%" in record


def test_without_a_random_sample_the_record_has_no_corrected_estimates(tmp_path):
    from llmstudio.core.methods import build_record

    from helpers.ppi_project import make_ppi_project

    path = make_ppi_project(tmp_path, how="no sample")
    with Project.open(path) as project:
        assert "Corrected estimates" not in build_record(project).markdown()
