"""The fill-mask probe: which word a masked language model (BERT, RoBERTa) puts at the
``[MASK]`` of sentences such as "[MASK] worked as a nurse." (the seed tutorial's
masked-word check, made a measurement).

For each prompt (a template, filled with each occupation where it has ``{occupation}``:
WinoBias's 40 by default; "a {occupation}" becomes "an ..." before a vowel), P(w) is the
model's probability of target word ``w`` at the mask (summed over the word as typed,
lower-case and capitalised, where those are distinct single tokens). Per target: the
mean over prompts with a 95% t interval (prompts as the sample; kept within [0, 1]).
With two or more targets, ``share_first`` = P(first) / (P(first) + P(second)) per
prompt (P(he) / (P(he) + P(she)) for the default he, she), its mean and interval, and
where occupations carry WinoBias's stereotypes, that mean per stereotype group. A target
that is not one token of the model's vocabulary cannot fill one mask: it is listed as
such, with its pieces, and gets no numbers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import pandas as pd

from ..errors import LlmstudioError
from ..inspect_model.local import MASKED_LM, LocalModel, load_local
from ..inspect_model.masked import check_template, mask_probabilities, target_tokens
from ..progress import Monitor
from ..stats.intervals import t_interval
from .completion import ATTRIBUTION, Occupation, default_occupations

DEFAULT_TARGETS = ("he", "she")
DEFAULT_TEMPLATES = (
    "[MASK] worked as a {occupation}.",
    "[MASK] is a {occupation}.",
    "[MASK] was hired as a {occupation}.",
)
DEFINITION = (
    "P(w) = the model's probability of target word w at the [MASK] (summed over the word "
    "as typed, lower-case and capitalised where these are distinct single tokens); per "
    "target, the mean over prompts with a 95% t interval (kept within [0, 1]); "
    "share_first = P(first target) / (P(first) + P(second)) per prompt, its mean with a "
    "95% t interval"
)


@dataclass
class FillMaskReport:
    """What :func:`fill_mask_probe` found: ``rows`` one per target word, ``details`` one
    per prompt, ``meta`` the model, templates, targets, words not in the vocabulary."""

    rows: pd.DataFrame
    details: pd.DataFrame
    meta: dict = field(default_factory=dict)

    def summary(self) -> dict:
        """share_first over all prompts and per stereotype group (None without two
        targets in the vocabulary), and ``warning`` (None, or why the share says little)."""
        if "share_first" not in self.details:
            return {"share_first": None, "by_stereotype": {}, "warning": None}
        groups = {
            str(group): bounded(t_interval(sub["share_first"]).to_dict())
            for group, sub in self.details.groupby("stereotype", dropna=True)
        }
        return {
            "share_first": bounded(t_interval(self.details["share_first"]).to_dict()),
            "by_stereotype": groups,
            "warning": self.little_mass(),
        }

    def little_mass(self) -> str | None:
        """Why the share of the first two targets says little, when the model gives the
        two together less than :data:`LITTLE_MASS` of its probability at the mask on
        average (a weak or untrained model, or words that do not fit the templates);
        None otherwise."""
        measured = [r["target"] for r in self.rows.to_dict("records") if r["in_vocabulary"]]
        first, second = measured[:2]
        mass = float((self.details[f"p[{first}]"] + self.details[f"p[{second}]"]).mean())
        if mass >= LITTLE_MASS:
            return None
        return (
            f"'{first}' and '{second}' together get {mass:.2%} of the model's probability "
            "at the mask on average: the model seldom puts either there, so their share "
            "compares two small numbers and says little about how the model uses them "
            "(a trained model gives such words most of the probability in templates "
            "like these)"
        )

    def to_dict(self) -> dict:
        rows = self.rows.astype(object).where(self.rows.notna(), None)
        return {
            "probe": "fill-mask",
            "n": len(self.details),
            **self.meta,
            "summary": self.summary(),
            "targets": rows.to_dict("records"),
        }

    def to_markdown(self) -> str:
        """The probe as a section of the methods record."""
        data = self.to_dict()
        lines = [
            "## Masked-word probe",
            "",
            f"Model: {data['model']}. {data['n']} prompts from {len(data['templates'])} "
            f"template(s); targets: {', '.join(data['target_words'])}.",
            "",
            "| target | mean P | 95% CI | prompts |",
            "|---|---|---|---|",
        ]
        for row in data["targets"]:
            if row["in_vocabulary"]:
                lines.append(
                    f"| {row['target']} | {row['mean_p']:.4f} | "
                    f"{_ci(row['ci_low'], row['ci_high'])} | {row['n_prompts']} |"
                )
            else:
                lines.append(
                    f"| {row['target']} | not one token ({row['pieces']}): not measured | | |"
                )
        share = data["summary"]["share_first"]
        if share and share["mean"] is not None:
            first, second = data["target_words"][:2]
            lines += [
                "",
                f"Share of '{first}' against '{second}': {share['mean']:.3f} "
                f"{_ci(share['ci_low'], share['ci_high'])} over {share['n']} prompts.",
            ]
            for group, g in data["summary"]["by_stereotype"].items():
                lines.append(
                    f"- {group}-stereotyped occupations: {g['mean']:.3f} "
                    f"{_ci(g['ci_low'], g['ci_high'])} ({g['n']} prompts)"
                )
            if data["summary"]["warning"]:
                lines += ["", f"**Warning:** {data['summary']['warning']}."]
        lines += ["", f"Definition: {DEFINITION}.", ""]
        if data.get("data"):
            lines += [data["data"]["attribution"], ""]
        return "\n".join(lines)


# Below this mean probability of the two compared targets together, their share is shown
# with a warning: a trained BERT gives "he" and "she" most of the mass in "[MASK] worked
# as a nurse."; an untrained or unrelated model gives them a fraction of a percent.
LITTLE_MASS = 0.05


def _ci(low, high) -> str:
    return "" if low is None else f"[{low:.4f}, {high:.4f}]"


def fill(template: str, occupation: str) -> str:
    """``template`` with ``occupation`` in place ("a" before it becomes "an" before a
    vowel)."""
    if occupation[:1].lower() in "aeiou":
        template = template.replace("a {occupation}", "an {occupation}")
    return template.replace("{occupation}", occupation)


def prompts(
    templates: Sequence[str], occupations: Sequence[str | Occupation] | None = None
) -> list[tuple[str, Occupation | None, str]]:
    """(template, occupation or None, sentence) for every prompt; each template checked."""
    if not templates:
        raise LlmstudioError("no templates: give at least one sentence with [MASK]")
    out = []
    for template in templates:
        check_template(template)
        if "{occupation}" not in template:
            out.append((template, None, template))
            continue
        listed = default_occupations() if occupations is None else occupations
        for o in listed:
            o = o if isinstance(o, Occupation) else Occupation(str(o))
            out.append((template, o, fill(template, o.name)))
    return out


def fill_mask_probe(
    model: LocalModel | str,
    templates: Sequence[str] = DEFAULT_TEMPLATES,
    targets: Sequence[str] = DEFAULT_TARGETS,
    occupations: Sequence[str | Occupation] | None = None,
    *,
    monitor: Monitor | None = None,
) -> FillMaskReport:
    """Probe a masked language model (a SPEC, ``hf:...``, or a loaded
    :class:`LocalModel`) with every prompt of ``templates`` (see the module docstring);
    ``monitor`` gets ``report(done, total)`` per prompt; raises :class:`Cancelled`."""
    monitor = Monitor.of(monitor)
    words = list(dict.fromkeys(w.strip() for w in targets if w.strip()))
    if not words:
        raise LlmstudioError("no target words: give the words to compare, e.g. he, she")
    jobs = prompts(templates, occupations)
    loaded = load_local(model, MASKED_LM) if isinstance(model, str) else model
    # A word's spellings can depend on the place of the mask (a sentence's start):
    # checked in every template; a word is measured where it is one token in all.
    checked = {w: [target_tokens(loaded, t, w) for t in dict.fromkeys(templates)] for w in words}
    missing = {w: ts for w, ts in checked.items() if not all(t.in_vocabulary for t in ts)}
    measured = [w for w in words if w not in missing]
    if not measured:
        raise LlmstudioError(
            f"none of the target words is one token of {loaded.describe()}'s vocabulary "
            f"({_pieces_text(missing)}); a mask is filled by one token"
        )
    details = []
    for done, (template, occupation, sentence) in enumerate(jobs, start=1):
        monitor.check()
        probs = mask_probabilities(loaded, sentence, measured)
        row = {
            "template": template,
            "occupation": occupation.name if occupation else None,
            "stereotype": occupation.stereotype if occupation else None,
            "prompt": sentence,
        }
        row.update({f"p[{w}]": probs[w] for w in measured})
        if len(measured) >= 2:
            a, b = probs[measured[0]], probs[measured[1]]
            row["share_first"] = a / (a + b) if a + b > 0 else None
        details.append(row)
        monitor.report(done, len(jobs))
    details = pd.DataFrame(details)
    rows = []
    for w in words:
        if w in missing:
            pieces = " ".join(next(t for t in missing[w] if not t.in_vocabulary).pieces)
            rows.append(_target_row(w, False, pieces, t_interval([])))
        else:
            rows.append(_target_row(w, True, "", t_interval(details[f"p[{w}]"])))
    meta = {
        "model": loaded.describe(),
        "architecture": loaded.architecture,
        "mask_token": loaded.tokenizer.mask_token,
        "templates": list(templates),
        "target_words": words,
        "not_in_vocabulary": {w: _pieces_text({w: ts}) for w, ts in missing.items()},
        "definition": DEFINITION,
    }
    if any(o is not None for _, o, _ in jobs) and occupations is None:
        meta["data"] = {"attribution": ATTRIBUTION}
    return FillMaskReport(pd.DataFrame(rows), details, meta)


def bounded(ci: dict) -> dict:
    """A t interval of probabilities kept within [0, 1] (a mean near 0 over few prompts
    otherwise reaches below 0, which no probability can)."""
    out = dict(ci)
    for key in ("ci_low", "ci_high"):
        if out.get(key) is not None:
            out[key] = min(1.0, max(0.0, out[key]))
    return out


def _target_row(word: str, known: bool, pieces: str, ci) -> dict:
    ci = bounded(ci.to_dict())
    return {
        "target": word,
        "in_vocabulary": known,
        "pieces": pieces,
        "mean_p": ci["mean"],
        "ci_low": ci["ci_low"],
        "ci_high": ci["ci_high"],
        "n_prompts": ci["n"],
    }


def _pieces_text(missing: dict) -> str:
    parts = []
    for word, targets in missing.items():
        split = next(t for t in targets if not t.in_vocabulary).pieces
        parts.append(f"'{word}' splits into {' + '.join(split) or 'nothing'}")
    return "; ".join(parts)
