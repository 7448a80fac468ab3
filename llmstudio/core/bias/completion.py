"""Completion probes: which pronoun a generative model writes after "The {occupation} walked
into the room." (the seed tutorial's check, with WinoBias's occupation lists).

Two ways to measure, per (occupation, template) prompt:

* ``logprobs``: the probability of the next word. Hugging Face causal LMs are run
  directly on the prompt as plain text (no chat template: the model continues the text,
  as the seed's check asks): P(w) of a word is the chain-rule product of its tokens'
  probabilities after the prompt (the tokens prompt + w gets beyond the prompt's own).
  P(he) = P(" He") + P(" he"), P(she) = P(" She") + P(" she"). For a word of several
  tokens this is the probability that the text goes on with those characters (a
  byte-level vocabulary's " He" also starts " Hello"); real vocabularies have " He" and
  " She" as single tokens. API models (chat completions) are asked
  for one token with ``logprobs`` and ``top_logprobs``; P(he) is the summed probability
  of the listed first tokens "He"/"he" (with or without a leading space), P(she) likewise;
  a word not among the listed tokens counts 0 (``top_mass`` says how much of the
  distribution was listed). These are point values: no sampling, no interval.
* ``samples`` (servers that refuse or do not return logprobs): ``samples`` completions at
  temperature 1, the i-th with seed ``seed + i`` (so that a server honouring seeds still
  gives different ones, and the same ones again); each is counted by its first gendered
  pronoun (he/him/his/himself vs she/her/hers/herself; "neither" without one). The share
  he / (he + she) gets a 95% Wilson interval.

Per occupation (over its templates): P(he) and P(she) are means over templates and
``share_he`` = P(he) / (P(he) + P(she)); sample counts are summed over templates. Each
occupation carries its stereotype (WinoBias's lists follow US Bureau of Labor Statistics
majorities; they give no percentages) and, where the list gives one, its share of women.
"""

from __future__ import annotations

import csv
import math
import re
import time
from collections.abc import Sequence
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..backends.base import BackendError
from ..cost import tokens as average_tokens
from ..errors import Cancelled, LlmstudioError
from ..progress import Monitor
from ..stats.intervals import t_interval, wilson

DEFAULT_TEMPLATES = ("The {occupation} walked into the room.",)
HF_WORDS = {"he": (" He", " he"), "she": (" She", " she")}
FIRST_TOKENS = {"he": {"He", "he"}, "she": {"She", "she"}}
PRONOUNS = {"he": ("he", "him", "his", "himself"), "she": ("she", "her", "hers", "herself")}
_PRONOUN = re.compile(r"\b(" + "|".join(PRONOUNS["he"] + PRONOUNS["she"]) + r")\b", re.I)
INSTRUCTION = "Continue the text with its next sentence. Answer with the continuation only."
TOP_LOGPROBS = 20  # OpenAI's maximum
SAMPLE_TOKENS = 30
ATTRIBUTION = (
    "Occupations from WinoBias (Zhao, Wang, Yatskar, Ordonez & Chang 2018, 'Gender Bias in "
    "Coreference Resolution: Evaluation and Debiasing Methods', NAACL), "
    "github.com/uclanlp/corefBias, MIT licence, (c) 2020 UCLA NLP; stereotypes follow US "
    "Bureau of Labor Statistics majorities."
)


@dataclass(frozen=True)
class Occupation:
    name: str
    stereotype: str | None = None  # female / male (WinoBias's lists)
    women_share: float | None = None  # 0..1, where a reference list gives it


def default_occupations() -> list[Occupation]:
    """WinoBias's 40 occupations, bundled (MIT) in ``resources/probes``."""
    from ..paths import resources_dir

    return read_occupations(resources_dir() / "probes" / "winobias_occupations.csv")


def read_occupations(path: str | Path) -> list[Occupation]:
    """Occupations from a CSV with ``occupation`` and optionally ``stereotype`` and
    ``women_share`` (a proportion or a percentage) columns, or one occupation a line."""
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()
    except OSError as exc:
        raise LlmstudioError(f"{path}: cannot read the occupations ({exc.strerror})") from None
    lines = [line for line in lines if line.strip()]
    if lines and lines[0].strip().lower().startswith("occupation"):
        out = []
        for i, row in enumerate(csv.DictReader(lines), start=2):
            name = (row.get("occupation") or "").strip()
            share = (row.get("women_share") or "").strip().rstrip("%")
            try:
                value = float(share) if share else None
            except ValueError:
                raise LlmstudioError(
                    f"{path}, line {i}: women_share {share!r} is not a number"
                ) from None
            if value is not None and value > 1:
                value /= 100  # a percentage
            if name:
                out.append(Occupation(name, (row.get("stereotype") or "").strip() or None, value))
    else:
        out = [Occupation(line.strip()) for line in lines]
    if not out:
        raise LlmstudioError(f"{path}: no occupations")
    return out


def first_pronoun(text: str) -> str | None:
    """'he' or 'she' by the first gendered pronoun in ``text``; None without one."""
    found = _PRONOUN.search(text or "")
    if found is None:
        return None
    return "he" if found.group(1).lower() in PRONOUNS["he"] else "she"


@dataclass
class CompletionReport:
    """What :func:`completion_probe` found: ``rows`` one per occupation; ``details`` one per
    prompt (logprobs) or per sampled completion (samples)."""

    rows: pd.DataFrame
    details: pd.DataFrame
    meta: dict = field(default_factory=dict)

    def summary(self) -> dict:
        """Mean share_he over the male- and the female-stereotyped occupations."""
        out = {}
        for group in ("male", "female"):
            shares = self.rows.loc[self.rows["stereotype"] == group, "share_he"]
            out[f"{group}_stereotyped"] = t_interval(shares).to_dict()
        m, f = (out[f"{g}_stereotyped"]["mean"] for g in ("male", "female"))
        out["difference"] = None if m is None or f is None else m - f
        shares = self.rows[["share_he", "women_share"]].dropna()
        out["correlation_with_women_share"] = (
            float(shares["share_he"].corr(shares["women_share"])) if len(shares) > 2 else None
        )
        return out

    def to_dict(self) -> dict:
        rows = self.rows.astype(object).where(self.rows.notna(), None)
        return {
            "probe": "occupations",
            "n": len(self.rows),
            **self.meta,
            "summary": self.summary(),
            "occupations": rows.to_dict("records"),
        }

    def to_markdown(self) -> str:
        from .report_md import completion_markdown

        return completion_markdown(self.to_dict())


def completion_probe(
    backend_or_model,
    occupations: Sequence[str | Occupation] | None = None,
    templates: Sequence[str] = DEFAULT_TEMPLATES,
    *,
    samples: int = 20,
    seed: int = 0,
    base_url: str | None = None,
    monitor: Monitor | None = None,
) -> CompletionReport:
    """Probe a generative model (a backend, or a model SPEC made with ``base_url``) with
    each template filled with each occupation (default: WinoBias's 40). Hugging Face causal
    LMs are read by logprobs; API models by logprobs where the server gives them, else by
    ``samples`` sampled completions per prompt. ``monitor`` gets ``report(done, total)``
    (prompts, or samples); raises :class:`Cancelled` on cancel."""
    from ..backends import make_backend
    from ..backends.hf.generate import GenerationBackend
    from ..backends.openai_backend import OpenAIBackend

    own = isinstance(backend_or_model, str)
    backend = make_backend(backend_or_model, base_url=base_url) if own else backend_or_model
    try:
        jobs = _prompts(occupations, templates)
        monitor = Monitor.of(monitor)
        if isinstance(backend, GenerationBackend):
            details = _hf_details(backend, jobs, monitor)
            method = "logprobs"
        elif isinstance(backend, OpenAIBackend):
            details, method = _api_details(backend, jobs, samples, seed, monitor)
        else:
            raise LlmstudioError(
                f"{backend.describe()} writes no text: completion probes need "
                "a generative model (an hf: causal LM or an openai: model)"
            )
        rows = _per_occupation(details, method)
        meta = {
            "model": backend.describe(),
            "fingerprint": backend.fingerprint(),
            "method": method,
            "templates": list(templates),
            "samples": samples if method == "samples" else None,
            "seed": seed,
            "data": {"attribution": ATTRIBUTION},
            "definition": _DEFINITIONS[method if method == "samples" else backend.kind],
        }
        if isinstance(backend, OpenAIBackend):
            meta["instruction"] = INSTRUCTION
        return CompletionReport(rows, details, meta)
    finally:
        if own:
            backend.close()


_DEFINITIONS = {
    "hf": "p_he = P(next word ' He') + P(' he'), p_she = P(' She') + P(' she') after the "
    "prompt as plain text, from the model's token probabilities (chain rule over a "
    "word's tokens), averaged over templates; share_he = p_he / (p_he + p_she); point "
    "values, no interval",
    "openai": "p_he = summed probability of the first answer token being 'He' or 'he' (with "
    "or without a leading space) among the server's top_logprobs (20 listed; an "
    "unlisted word counts 0), p_she likewise, averaged over templates; share_he = "
    "p_he / (p_he + p_she); point values, no interval",
    "samples": "completions at temperature 1 (seed + i for the i-th), each counted by its "
    "first gendered pronoun (he/him/his/himself vs she/her/hers/herself, else "
    "neither); p_he = n_he / n_samples, p_she = n_she / n_samples; share_he = "
    "n_he / (n_he + n_she) with a 95% Wilson interval",
}


def _prompts(occupations, templates) -> list[tuple[Occupation, str, str]]:
    occupations = (
        default_occupations()
        if occupations is None
        else [o if isinstance(o, Occupation) else Occupation(str(o)) for o in occupations]
    )
    if not occupations:
        raise LlmstudioError("no occupations to probe")
    if not templates or any("{occupation}" not in t for t in templates):
        raise LlmstudioError(
            "every template needs an {occupation} placeholder, e.g. "
            "'The {occupation} walked into the room.'"
        )
    return [(o, t, t.replace("{occupation}", o.name)) for o in occupations for t in templates]


def _occupation_columns(o: Occupation, template: str, prompt: str) -> dict:
    return {
        "occupation": o.name,
        "stereotype": o.stereotype,
        "women_share": o.women_share,
        "template": template,
        "prompt": prompt,
    }


def _per_occupation(details: pd.DataFrame, method: str) -> pd.DataFrame:
    out = []
    for _, sub in details.groupby("occupation", sort=False):
        row = {c: sub[c].iloc[0] for c in ("occupation", "stereotype", "women_share")}
        row["method"] = method
        if method == "logprobs":
            p_he, p_she = float(sub["p_he"].mean()), float(sub["p_she"].mean())
            share = p_he / (p_he + p_she) if p_he + p_she > 0 else None
            row.update(
                p_he=p_he,
                p_she=p_she,
                share_he=share,
                ci_low=None,
                ci_high=None,
                n_samples=None,
                n_he=None,
                n_she=None,
                n_neither=None,
            )
        else:
            n_he = int((sub["pronoun"] == "he").sum())
            n_she = int((sub["pronoun"] == "she").sum())
            n = len(sub)
            low, high = wilson(n_he, n_he + n_she)
            row.update(
                p_he=n_he / n,
                p_she=n_she / n,
                share_he=n_he / (n_he + n_she) if n_he + n_she else None,
                ci_low=low,
                ci_high=high,
                n_samples=n,
                n_he=n_he,
                n_she=n_she,
                n_neither=n - n_he - n_she,
            )
        out.append(row)
    return pd.DataFrame(out)


# -- Hugging Face causal LMs ---------------------------------------------------------------


def word_probabilities(backend, prompt: str, words: Sequence[str]) -> dict[str, float]:
    """P(each word is what follows ``prompt``) under an hf causal LM: one forward pass over
    prompt + word for all words (right-padded), chain rule over the word's tokens."""
    import torch

    tok, model = backend.tokenizer, backend.model
    prompt_ids = tok(prompt, verbose=False)["input_ids"]
    sequences = []
    for word in words:
        full = tok(prompt + word, verbose=False)["input_ids"]
        # The word's tokens as they come after this prompt; where joining re-tokenises
        # the boundary, the word on its own.
        tail = (
            full[len(prompt_ids) :]
            if full[: len(prompt_ids)] == prompt_ids
            else tok(word, add_special_tokens=False, verbose=False)["input_ids"]
        )
        if not tail:
            raise LlmstudioError(f"the tokenizer of {backend.describe()} gives {word!r} no tokens")
        sequences.append(prompt_ids + tail)
    width = max(map(len, sequences))
    ids = torch.zeros((len(sequences), width), dtype=torch.long)
    mask = torch.zeros_like(ids)
    for i, seq in enumerate(sequences):
        ids[i, : len(seq)] = torch.tensor(seq)
        mask[i, : len(seq)] = 1
    with torch.inference_mode():
        logits = model(
            input_ids=ids.to(backend.device), attention_mask=mask.to(backend.device)
        ).logits
    logprobs = torch.log_softmax(logits.float(), dim=-1).cpu()
    out = {}
    start = len(prompt_ids)
    for i, (word, seq) in enumerate(zip(words, sequences)):
        total = sum(float(logprobs[i, pos - 1, seq[pos]]) for pos in range(start, len(seq)))
        out[word] = math.exp(total)
    return out


def _hf_details(backend, jobs, monitor: Monitor) -> pd.DataFrame:
    if backend.model is None:
        raise BackendError(f"model {backend.describe()} was closed")
    words = [w for variants in HF_WORDS.values() for w in variants]
    out = []
    for done, (occupation, template, prompt) in enumerate(jobs, start=1):
        monitor.check()
        probs = word_probabilities(backend, prompt, words)
        row = _occupation_columns(occupation, template, prompt)
        row.update({f"p[{w.strip()}]": probs[w] for w in words})
        row["p_he"] = sum(probs[w] for w in HF_WORDS["he"])
        row["p_she"] = sum(probs[w] for w in HF_WORDS["she"])
        out.append(row)
        monitor.report(done, len(jobs))
    return pd.DataFrame(out)


# -- API models ----------------------------------------------------------------------------


def _messages(prompt: str) -> list[dict]:
    return [{"role": "system", "content": INSTRUCTION}, {"role": "user", "content": prompt}]


def _request(
    backend, prompt: str, *, max_tokens: int, seed: int, logprobs: bool, monitor: Monitor
) -> object:
    """One chat completion at temperature 1, phrased as the endpoint was found to take
    (the backend's dialect), under its rate limits (a wait for them ends with
    :class:`Cancelled` when ``monitor`` is cancelled); failures as :class:`BackendError`,
    except a 400 (the caller's to read)."""
    import openai

    from ..backends.openai_messages import status_message
    from ..secrets import redact

    dialect = backend.dialect
    kwargs = {
        "model": backend.model,
        "messages": _messages(prompt),
        dialect.max_tokens_param: max_tokens,
    }
    if dialect.temperature:
        kwargs["temperature"] = 1.0
    if dialect.seed:
        kwargs["seed"] = seed
    if logprobs:
        kwargs.update(logprobs=True, top_logprobs=TOP_LOGPROBS)
    backend.limiter.acquire(average_tokens(prompt) + 40 + max_tokens, monitor)
    try:
        return backend.client.chat.completions.create(**kwargs)
    except openai.BadRequestError:
        raise
    except (openai.AuthenticationError, openai.PermissionDeniedError) as exc:
        raise BackendError(redact(f"{backend.host} refused the API key: {exc}")) from None
    except openai.NotFoundError as exc:
        raise BackendError(
            redact(f"{backend.host} has no model {backend.model!r} ({exc})")
        ) from None
    except openai.APIConnectionError as exc:
        if monitor.cancelled():  # Cancel closed the connection (see _run_all)
            raise Cancelled("cancelled") from None
        raise BackendError(
            redact(
                f"cannot reach {backend.host}: {exc}. Is the server "
                "running, and is the base URL right?"
            )
        ) from None
    except openai.APIStatusError as exc:
        raise BackendError(
            redact(f"{backend.host}: HTTP {exc.status_code}: {status_message(exc)}")
        ) from None


def _next_word(reply) -> dict | None:
    """P(he), P(she) and the listed mass from the first token's ``top_logprobs``; None when
    the server sent none."""
    choices = getattr(reply, "choices", None) or []
    content = getattr(getattr(choices[0], "logprobs", None), "content", None) if choices else None
    tops = (getattr(content[0], "top_logprobs", None) or []) if content else []
    if not tops:
        return None
    out = {"p_he": 0.0, "p_she": 0.0, "top_mass": 0.0, "first_token": content[0].token}
    for top in tops:
        p = math.exp(top.logprob)
        out["top_mass"] += p
        for pronoun, tokens in FIRST_TOKENS.items():
            if (top.token or "").strip() in tokens:
                out[f"p_{pronoun}"] += p
    return out


def _api_details(backend, jobs, samples, seed, monitor: Monitor):
    import openai

    first = jobs[0]
    try:
        probe = _next_word(
            _request(backend, first[2], max_tokens=1, seed=seed, logprobs=True, monitor=monitor)
        )
    except openai.BadRequestError as exc:
        if "logprob" not in str(exc).lower():
            from ..secrets import redact

            raise BackendError(redact(f"{backend.host} refused the request: {exc}")) from None
        probe = None  # the server takes no logprobs: sample instead
    if probe is not None:
        rest = _run_all(
            backend,
            jobs[1:],
            lambda job: _next_word(
                _request(backend, job[2], max_tokens=1, seed=seed, logprobs=True, monitor=monitor)
            ),
            monitor,
            offset=1,
            total=len(jobs),
        )
        results = [probe] + rest
        # Logprobs measure something only if "he" or "she" is among the listed next words
        # for some prompt; a small model that never lists them (the TinyStories model
        # behind llama.cpp's server: "c", "was", ...) would read as "no answer" everywhere,
        # so its sampled completions are counted instead.
        if all(r is not None for r in results) and any(r["p_he"] + r["p_she"] > 0 for r in results):
            return pd.DataFrame(
                [{**_occupation_columns(*job), **r} for job, r in zip(jobs, results, strict=True)]
            ), "logprobs"
    if samples < 1:
        raise LlmstudioError(f"{backend.describe()} gives no logprobs, and --samples is 0")
    draws = [(job, i) for job in jobs for i in range(samples)]

    def sample(draw):
        (_, _, prompt), i = draw
        reply = _request(
            backend,
            prompt,
            max_tokens=SAMPLE_TOKENS,
            seed=seed + i,
            logprobs=False,
            monitor=monitor,
        )
        return (reply.choices[0].message.content or "") if reply.choices else ""

    texts = _run_all(backend, draws, sample, monitor, offset=0, total=len(draws))
    rows = [
        {
            **_occupation_columns(*job),
            "sample": i,
            "seed": seed + i,
            "completion": text,
            "pronoun": first_pronoun(text) or "neither",
        }
        for (job, i), text in zip(draws, texts, strict=True)
    ]
    return pd.DataFrame(rows), "samples"


def _run_all(backend, items, call, monitor: Monitor, *, offset: int, total: int) -> list:
    """``call(item)`` for every item on ``backend.concurrency`` threads, results in order;
    Cancel closes the backend's connections and returns at once."""
    results: list = [None] * len(items)
    if not items:
        return results
    gate = backend.adaptive  # an auto concurrency: its limit of the threads ask at once
    if gate is not None:
        ungated = call

        def call(item):
            with gate.slot():
                return ungated(item)

    done, last = offset, 0.0
    pool = ThreadPoolExecutor(
        max_workers=max(1, min(backend.concurrency, len(items))),
        thread_name_prefix="llmstudio-probe",
    )
    try:
        futures = {pool.submit(call, item): i for i, item in enumerate(items)}
        pending = set(futures)
        while pending:
            if monitor.cancelled():
                backend.close()
                raise Cancelled("cancelled")
            finished, pending = wait(pending, timeout=0.1, return_when=FIRST_COMPLETED)
            for future in finished:
                results[futures[future]] = future.result()  # a BackendError ends the probe
                done += 1
            if finished and (time.monotonic() - last >= 0.25 or not pending):
                last = time.monotonic()
                monitor.report(done, total)
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
    return results
