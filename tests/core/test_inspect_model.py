"""Looking inside local transformers: attention maps (rows of softmax weights, layers and
heads, the mean of heads, a cut text said), their SVG, masked-word probabilities against
a forward pass done by hand, and the fill-mask probe's numbers recomputed from its
details."""

from __future__ import annotations

import statistics
import xml.etree.ElementTree as ET

import numpy as np
import pytest

from llmstudio.core.bias.fill_mask import fill, fill_mask_probe, prompts
from llmstudio.core.errors import LlmstudioError
from llmstudio.core.inspect_model.attention import attention_maps
from llmstudio.core.inspect_model.attention_svg import attention_svg
from llmstudio.core.inspect_model.local import MASKED_LM, load_local
from llmstudio.core.inspect_model.masked import mask_probabilities, target_tokens


@pytest.fixture(scope="module")
def mlm(tiny_models):
    return load_local(f"hf:{tiny_models.mlm}", MASKED_LM)


def test_attention_of_a_bert_model_by_layer_and_head(tiny_models):
    maps = attention_maps(f"hf:{tiny_models.mlm}", "he is a doctor")
    assert maps.tokens == ["[CLS]", "he", "is", "a", "doctor", "[SEP]"]
    assert (maps.layers, maps.heads) == (2, 2)
    for layer in range(2):
        for head in (0, 1):
            m = maps.matrix(layer, head)
            assert m.shape == (6, 6) and np.allclose(m.sum(axis=1), 1, atol=1e-5)
        mean = maps.matrix(layer, None)
        assert np.allclose(mean, (maps.matrix(layer, 0) + maps.matrix(layer, 1)) / 2)
    assert not np.allclose(maps.matrix(0, 0), maps.matrix(0, 1))  # heads differ
    with pytest.raises(LlmstudioError, match="layer 3: the model has 2 layers"):
        maps.matrix(2, 0)
    with pytest.raises(LlmstudioError, match="head 5: each layer has 2 heads"):
        maps.matrix(0, 4)
    assert maps.title(1, None).endswith("layer 2 of 2, mean of heads")


def test_the_builtin_model_and_a_cut_text(tiny_models):
    maps = attention_maps("builtin", "The film was wonderful. " * 20, max_tokens=16)
    assert (maps.layers, maps.heads) == (6, 12) and len(maps.tokens) == 16
    assert maps.truncated_from > 16 and f"first 16 of the text's {maps.truncated_from}" in (
        maps.note()
    )
    assert attention_maps("builtin", "short text").truncated_from is None


@pytest.mark.parametrize(
    "spec, text, message",
    [
        ("builtin", "   ", "the text is empty"),
        ("lexicon", "a text", "not a model on this computer"),
        ("openai:gpt-4o", "a text", "not a model on this computer"),
    ],
)
def test_attention_refuses_what_it_cannot_show(spec, text, message):
    with pytest.raises(LlmstudioError, match=message):
        attention_maps(spec, text)


def test_the_svg_shades_each_cell_by_its_weight(tiny_models):
    maps = attention_maps(f"hf:{tiny_models.mlm}", "he is a doctor")
    root = ET.fromstring(attention_svg(maps, 1, 0))
    ns = "{http://www.w3.org/2000/svg}"
    cells = [r for r in root.iter(f"{ns}rect") if r.find(f"{ns}title") is not None]
    assert len(cells) == 36
    matrix = maps.matrix(1, 0)
    darkest = cells[int(np.argmax(matrix))]
    assert darkest.get("fill") == "#08306b"  # the largest weight gets the darkest blue
    assert darkest.find(f"{ns}title").text.endswith(f"{matrix.max():.3f}")
    texts = [t.text for t in root.iter(f"{ns}text")]
    assert "doctor" in texts and any("layer 2 of 2, head 1 of 2" in (t or "") for t in texts)


def test_mask_probabilities_are_the_models_softmax_at_the_mask(mlm):
    import torch

    sentence = "[MASK] worked as a doctor."
    probs = mask_probabilities(mlm, sentence, ["he", "she"])
    encoded = mlm.tokenizer("[MASK] worked as a doctor.", return_tensors="pt")
    with torch.inference_mode():
        logits = mlm.model(**encoded).logits[0, 1]  # [CLS] then the mask
    softmax = torch.softmax(logits, dim=-1)
    he, she = mlm.tokenizer.convert_tokens_to_ids(["he", "she"])
    assert probs["he"] == pytest.approx(float(softmax[he]), rel=1e-5)
    assert probs["she"] == pytest.approx(float(softmax[she]), rel=1e-5)
    assert target_tokens(mlm, sentence, "engineer").pieces[:2] == ("e", "##n")
    assert not target_tokens(mlm, sentence, "engineer").in_vocabulary


def test_a_roberta_mask_takes_the_word_with_its_space_where_the_mask_has_one(tmp_path):
    # RoBERTa spells a word after a space as another token ("Ġhe") than at the start
    # ("he"), and its <mask> takes the space before it: mid-sentence the target must be
    # the spaced token, else the probe reads the probability of a word the model would
    # never put there.
    import torch

    import models  # tests/models.py

    roberta = load_local(f"hf:{models.build_roberta_masked_lm(tmp_path / 'r')}", MASKED_LM)
    tok = roberta.tokenizer
    assert tok.mask_token == "<mask>"

    def spelled(template, word):
        return tok.convert_ids_to_tokens(list(target_tokens(roberta, template, word).token_ids))

    assert spelled("The [MASK] worked as a nurse.", "he") == ["Ġhe", "ĠHe"]
    assert spelled("The nurse is [MASK].", "she") == ["Ġshe", "ĠShe"]
    assert spelled("[MASK] worked as a nurse.", "he") == ["he", "He"]
    assert not target_tokens(roberta, "The [MASK] worked.", "engineer").in_vocabulary
    template = "The [MASK] worked as a nurse."
    encoded = tok(template.replace("[MASK]", "<mask>"), return_tensors="pt")
    assert tok.convert_ids_to_tokens(encoded["input_ids"][0])[2] == "<mask>"
    with torch.inference_mode():
        softmax = torch.softmax(roberta.model(**encoded).logits[0, 2], dim=-1)
    ids = tok.convert_tokens_to_ids(["Ġshe", "ĠShe"])
    got = mask_probabilities(roberta, template, ["she"])["she"]
    assert got == pytest.approx(float(softmax[ids].sum()), rel=1e-5)
    report = fill_mask_probe(
        roberta, ["The [MASK] worked as a {occupation}."], ["he", "she"], ["nurse"]
    )
    assert report.to_dict()["mask_token"] == "<mask>"
    assert report.details["p[she]"].tolist() == pytest.approx([got], rel=1e-5)


def test_the_probe_reports_means_and_intervals_over_prompts(mlm):
    templates = ["[MASK] worked as a {occupation}.", "[MASK] is the doctor."]
    report = fill_mask_probe(mlm, templates, ["he", "she", "engineer"], ["doctor", "editor"])
    details = report.details
    assert details["prompt"].tolist() == [
        "[MASK] worked as a doctor.",
        "[MASK] worked as an editor.",
        "[MASK] is the doctor.",
    ]
    rows = report.rows.set_index("target")
    for word in ("he", "she"):
        values = details[f"p[{word}]"]
        assert rows.loc[word, "mean_p"] == pytest.approx(statistics.fmean(values))
        assert rows.loc[word, "n_prompts"] == 3
        assert (
            0 <= rows.loc[word, "ci_low"] <= rows.loc[word, "mean_p"] <= rows.loc[word, "ci_high"]
        )
    share = details["p[he]"] / (details["p[he]"] + details["p[she]"])
    assert details["share_first"].tolist() == pytest.approx(share.tolist())
    assert report.summary()["share_first"]["mean"] == pytest.approx(share.mean())
    # A word of several tokens is reported, with its pieces, and gets no numbers.
    assert not rows.loc["engineer", "in_vocabulary"] and rows.loc["engineer", "n_prompts"] == 0
    assert "engineer" in report.meta["not_in_vocabulary"]
    assert "not one token" in report.to_markdown()
    assert report.to_dict()["mask_token"] == "[MASK]"


@pytest.mark.parametrize(
    "templates, targets, message",
    [
        (["He worked as a doctor."], ["he"], "has 0 \\[MASK\\]s"),
        (["[MASK] and [MASK]."], ["he"], "has 2 \\[MASK\\]s"),
        (["[MASK] worked."], [" ", ""], "no target words"),
        (["[MASK] worked."], ["engineer"], "none of the target words is one token"),
        ([], ["he"], "no templates"),
    ],
)
def test_bad_probe_input_is_named(mlm, templates, targets, message):
    with pytest.raises(LlmstudioError, match=message):
        fill_mask_probe(mlm, templates, targets)


def test_a_model_without_a_masked_word_head_is_refused(tiny_models):
    # MiniLM (a sentence encoder) and a classifier have no head: random weights would
    # predict noise.
    for spec in ("builtin", f"hf:{tiny_models.named}"):
        with pytest.raises(LlmstudioError, match="has no masked-word head"):
            fill_mask_probe(spec)


def test_occupations_fill_templates_with_their_article():
    assert fill("[MASK] is a {occupation}.", "auditor") == "[MASK] is an auditor."
    assert fill("[MASK] is a {occupation}.", "nurse") == "[MASK] is a nurse."
    assert len(prompts(["[MASK] is a {occupation}."])) == 40  # WinoBias's list


def test_a_share_of_two_words_the_model_seldom_puts_at_the_mask_is_flagged():
    import pandas as pd

    from llmstudio.core.bias.fill_mask import FillMaskReport

    def report(p_he, p_she):
        details = pd.DataFrame(
            {
                "stereotype": [None, None],
                "p[he]": p_he,
                "p[she]": p_she,
                "share_first": [a / (a + b) for a, b in zip(p_he, p_she, strict=True)],
            }
        )
        rows = pd.DataFrame({"target": ["he", "she"], "in_vocabulary": [True, True]})
        return FillMaskReport(rows, details, {"model": "m", "templates": [], "target_words": []})

    trained = report([0.55, 0.40], [0.20, 0.35])  # most of the mass on the two words
    assert trained.summary()["warning"] is None
    weak = report([0.0018, 0.0017], [0.0003, 0.0004])  # what a barely trained BERT gave
    warning = weak.summary()["warning"]
    assert "'he' and 'she' together get 0.21%" in warning and "says little" in warning
