"""``llmstudio inspect P.llmstudio`` lists the corpora linked to a project: its units
corpora, and what a units project was split from; one that cannot be used says why."""

from __future__ import annotations

import json

from helpers.linked_units import damage_links, documents_project, split_project


def test_inspect_lists_units_corpora_and_the_source(cli, tmp_path):
    source = documents_project(tmp_path / "interviews.llmstudio")
    sentences = split_project(source, "sentence")
    windows = split_project(source, "words:5:2")
    inspect = cli("inspect")

    done = inspect(source)
    assert done.returncode == 0, done.stderr
    assert "units of:" not in done.stdout
    assert done.stdout.splitlines()[-3:] == [
        "units corpora: 2",
        f"  - Sentences (7 units): {sentences}",
        f"  - Windows of 5 words, overlapping by 2 (7 units): {windows}",
    ]

    windows.unlink()
    done = inspect(sentences)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-4:] == [
        f"units of:    interviews.llmstudio, by sentence: {source}",
        "units corpora: 2 (of interviews.llmstudio)",
        f"  - Sentences (7 units): {sentences} (this file)",
        "  - Windows of 5 words, overlapping by 2 (7 units): NOT USABLE: "
        "interviews_words-5-2.llmstudio is not there any more (deleted or moved away)",
    ]


def test_inspect_json_says_a_source_that_changed(cli, tmp_path):
    source = documents_project(tmp_path / "interviews.llmstudio")
    sentences = split_project(source, "sentence")
    documents_project(source, ["Texts made again. Not the ones split."])
    done = cli("inspect")(sentences, "--json")
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    source_said = summary["units_of"]
    assert source_said["path"] == str(source) and source_said["unit"] == "sentence"
    assert source_said["problem"].startswith(
        "interviews.llmstudio's texts changed since these units were split from it"
    )
    # the source made again lists no units: this file is listed as itself
    assert [(u["title"], u["this_file"], u["problem"]) for u in summary["units_corpora"]] == [
        ("Sentences (7 units)", True, None)
    ]


def test_inspect_of_a_plain_table_or_project_lists_no_links(cli, tmp_path):
    (tmp_path / "t.csv").write_text("id,text\n1,Hello there.\n", encoding="utf-8")
    plain = documents_project(tmp_path / "plain.llmstudio")
    done = cli("inspect")(tmp_path / "t.csv")
    assert done.returncode == 0, done.stderr
    assert "units" not in done.stdout
    summary = json.loads(cli("inspect")(plain, "--json").stdout)
    assert summary["units_of"] is None and summary["units_corpora"] == []


def test_annotate_by_unit_of_a_project_lists_the_split_in_it(annotate_cli, cli, tmp_path):
    source = documents_project(tmp_path / "interviews.llmstudio")
    done, _ = annotate_cli("interviews.llmstudio", "--model", "lexicon", "--unit", "paragraph")
    assert done.returncode == 0, done.stderr
    assert "listed among the units corpora of" in done.stderr
    units = tmp_path / "interviews_paragraph.llmstudio"
    summary = json.loads(cli("inspect")(source, "--json").stdout)
    assert [(u["title"], u["path"]) for u in summary["units_corpora"]] == [
        ("Paragraphs (4 units)", str(units))
    ]


def test_a_source_whose_list_cannot_be_written_is_said_and_the_units_kept(annotate_cli, tmp_path):
    source = documents_project(tmp_path / "interviews.llmstudio")
    damage_links(source)
    done, _ = annotate_cli("interviews.llmstudio", "--model", "lexicon", "--unit", "sentence")
    assert done.returncode == 0, done.stderr
    assert (
        "note: the units are not listed in their source: "
        f"{source}: its list of units projects cannot be read"
    ) in done.stderr
    assert (tmp_path / "interviews_sentence.llmstudio").exists()
