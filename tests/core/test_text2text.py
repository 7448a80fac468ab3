"""Text-to-text models (T5, Flan-T5) through the ``hf`` backend: found from their config,
run on prompts and codebook coding (answers parsed as a causal LM's are), compared with
transformers' own greedy ``generate`` on the same prompt."""

from __future__ import annotations

import pytest

from llmstudio.core.backends import make_backend
from llmstudio.core.backends.hf import Text2TextBackend, loading
from llmstudio.core.backends.registry import writes_text
from llmstudio.core.codebook import Code, Codebook
from llmstudio.core.corpus import read_table
from llmstudio.core.project import Project
from llmstudio.core.run_form import RunForm
from llmstudio.core.runner import run_job, run_results
from llmstudio.core.tasks import CodeTask, PromptTask
from llmstudio.core.tasks.base import ParseError

TEXTS = ["good movie", "awful day", "i love the police", "war and peace", "the economy"]


@pytest.fixture
def project(tmp_path):
    csv = tmp_path / "t.csv"
    csv.write_text("id,text\n" + "".join(f"{i},{t}\n" for i, t in enumerate(TEXTS)), "utf-8")
    with Project.create(tmp_path / "p.llmstudio", read_table(csv)) as proj:
        yield proj


def reference_answers(folder, backend, task, texts):
    """transformers' own answer to each prompt, one text at a time, greedy."""
    import torch
    from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(folder)
    model = AutoModelForSeq2SeqLM.from_pretrained(folder).eval()
    out = []
    for text in texts:
        ids = tokenizer(backend._prompt(task, task.render(text, {})), return_tensors="pt")
        with torch.inference_mode():
            written = model.generate(
                **ids, do_sample=False, max_new_tokens=backend._new_tokens(task)
            )
        out.append(tokenizer.decode(written[0], skip_special_tokens=True))
    return out


def test_a_t5_config_is_found_to_be_a_text_to_text_model(tiny_models, tiny_models_t5_config):
    assert loading.detect_pipeline_task(tiny_models_t5_config) == "text2text-generation"
    assert writes_text(f"hf:{tiny_models.t5}") is True
    assert writes_text(f"hf:{tiny_models.mlm}") is False  # a masked LM stays an encoder
    backend = make_backend(f"hf:{tiny_models.t5}")
    assert isinstance(backend, Text2TextBackend)
    assert backend.fingerprint()["pipeline_task"] == "text2text-generation"
    # The encoder takes the whole prompt: no room kept for the answer, unlike a causal LM.
    task = PromptTask(template="Rewrite: {text}")
    prompt = len(backend.tokenizer(backend._prompt(task, ""))["input_ids"])
    assert backend.input_limit(task) == backend.max_length - prompt


@pytest.fixture
def tiny_models_t5_config(tiny_models):
    from transformers import AutoConfig

    return AutoConfig.from_pretrained(tiny_models.t5)


@pytest.mark.slow  # 300 new tokens a row, twice: about 10 s alone, more on a busy machine
def test_the_prompt_task_is_no_longer_refused_and_answers_as_generate_does(tiny_models, project):
    # The run dialog and annotate no longer stop it; a masked LM (an encoder) still is.
    form = RunForm(task_name="prompt", prompt="Rewrite: {text}", columns=("text",))
    assert RunForm(**{**form.__dict__, "model": f"hf:{tiny_models.t5}"}).problem() == ""
    encoder = RunForm(**{**form.__dict__, "model": f"hf:{tiny_models.mlm}"}).problem()
    assert "cannot answer a custom prompt" in encoder
    backend = make_backend(f"hf:{tiny_models.t5}", batch_size=3)
    task = PromptTask(template="Rewrite: {text}")
    assert backend.refusal(task) == ""
    # Two rows: a free answer gets room for 300 tokens, which random weights fill.
    result = run_job(project, task, backend, limit=2)
    assert result.status == "done" and result.failed == 0
    frame = run_results(project, result.run_id)
    expected = reference_answers(tiny_models.t5, backend, task, TEXTS[:2])
    assert frame["prompt_output"].tolist()[:2] == expected
    assert len(set(expected)) > 1  # different texts, different answers


@pytest.mark.slow
def test_codebook_coding_keeps_only_the_codebook_codes(tiny_models, project):
    # Codes among the words this seed's model writes, so that some answers parse.
    book = Codebook(codes=(Code("police"), Code("day"), Code("peace")), name="words")
    task = CodeTask(codebook=book)
    backend = make_backend(f"hf:{tiny_models.t5}", batch_size=2)
    result = run_job(project, task, backend)
    assert result.status == "done"
    frame = run_results(project, result.run_id)
    coded = 0
    for i, answer in enumerate(reference_answers(tiny_models.t5, backend, task, TEXTS)):
        try:
            label = task.parse(answer)["code_label"]
        except ParseError:
            assert "unparseable answer" in frame.loc[i, "code_error"]
            assert (
                frame.loc[i, "code_label"] is None
                or frame.loc[i, "code_label"] != frame.loc[i, "code_label"]
            )
            continue
        assert frame.loc[i, "code_label"] == label in book.names
        coded += 1
    assert coded >= 1 and coded + result.failed == len(TEXTS)


def test_a_padded_batch_answers_as_single_texts_do(tiny_models):
    backend = make_backend(f"hf:{tiny_models.t5}")
    book = Codebook(codes=(Code("police"), Code("day"), Code("peace")), name="words")
    task = CodeTask(codebook=book)
    texts = ["hi", "a much longer text than the first one, with more words", "war"]
    batch = [str(r) for r in backend.annotate(task, texts)]
    assert batch == [str(backend.annotate(task, [t])[0]) for t in texts]
    assert len(set(batch)) > 1
