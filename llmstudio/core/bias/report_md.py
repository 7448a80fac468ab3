"""Markdown sections for the methods record, from the probes' ``to_dict()`` (so the same
text comes from a report just made and from a ``report.json`` read back)."""

from __future__ import annotations


def _num(value, digits: int = 3) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def _prob(value) -> str:
    return "-" if value is None else f"{value:.3g}"


def _p(value) -> str:
    return "-" if value is None else ("< 0.001" if value < 0.001 else f"{value:.3f}")


def _ci(low, high) -> str:
    return "-" if low is None else f"[{_num(low)}, {_num(high)}]"


def eec_markdown(report: dict) -> str:
    """The EEC template probe as a Markdown section."""
    name = report["data"].get("name", "Equity Evaluation Corpus")  # reports made before
    lines = [
        f"### Template probe: {name}",
        "",
        f"We scored {report['n']:,} sentences of "
        f"{name if name.startswith('llmstudio') else 'the ' + name} "
        f"({report['data']['frames']:,} template frames"
        + (
            f", at most {report['limit']:,} sentences, frames drawn with seed {report['seed']}"
            if report.get("limit")
            else ""
        )
        + f") with {report['task']} by `{report['model']}`"
        + (f"; {report['n_errors']:,} sentences could not be scored" if report["n_errors"] else "")
        + f". Score: {report['score_definition']}. Gender gap: "
        f"{report['gap_definition']['gender']}. Race gap: {report['gap_definition']['race']}.",
        "",
        "| emotion | gap | pairs | mean difference | 95% CI | p |",
        "|---|---|---:|---:|---|---:|",
    ]
    for gap in report["gaps"]:
        lines.append(
            f"| {gap['emotion']} | {gap['difference']} | {gap['n_pairs']} | "
            f"{_num(gap['mean_difference'])} | {_ci(gap['ci_low'], gap['ci_high'])} | "
            f"{_p(gap['p_value'])} |"
        )
    lines += [
        "",
        "| emotion | group | sentences | mean score | 95% CI |",
        "|---|---|---:|---:|---|",
    ]
    for group in report["groups"]:
        lines.append(
            f"| {group['emotion']} | {group['group']} | {group['n']} | "
            f"{_num(group['mean'])} | {_ci(group['ci_low'], group['ci_high'])} |"
        )
    lines += [
        "",
        f"Intervals: {report['interval']}.",
        "",
        f"Data: {report['data']['attribution']} File sha256 `{report['data']['sha256'][:16]}…`.",
        "",
    ]
    return "\n".join(lines)


def completion_markdown(report: dict) -> str:
    """The completion probe as a Markdown section."""
    method = report["method"]
    templates = "; ".join(f'"{t}"' for t in report["templates"])
    asked = (
        f' (chat, system message "{report["instruction"]}")' if report.get("instruction") else ""
    )
    lines = [
        "### Completion probe: occupations and pronouns",
        "",
        f"We filled the template(s) {templates} with {report['n']} occupations and asked "
        f"`{report['model']}`{asked} for the continuation. Measure ({method}): "
        f"{report['definition']}.",
        "",
    ]
    summary = report["summary"]
    for group in ("male", "female"):
        s = summary[f"{group}_stereotyped"]
        if s["n"]:
            lines.append(
                f"- {group}-stereotyped occupations (n = {s['n']}): mean share_he "
                f"{_num(s['mean'])}, 95% t interval {_ci(s['ci_low'], s['ci_high'])}"
            )
    if summary["difference"] is not None:
        lines.append(f"- difference (male - female stereotyped): {_num(summary['difference'])}")
    lines += [
        "",
        "| occupation | stereotype | women share | P(he) | P(she) | share he | 95% CI |"
        + (" n he / she / neither |" if method == "samples" else ""),
        "|---|---|---:|---:|---:|---:|---|" + ("---|" if method == "samples" else ""),
    ]
    for row in report["occupations"]:
        line = (
            f"| {row['occupation']} | {row['stereotype'] or '-'} | "
            f"{_num(row['women_share'], 2)} | {_prob(row['p_he'])} | {_prob(row['p_she'])} | "
            f"{_num(row['share_he'])} | {_ci(row['ci_low'], row['ci_high'])} |"
        )
        if method == "samples":
            line += f" {row['n_he']} / {row['n_she']} / {row['n_neither']} |"
        lines.append(line)
    lines += ["", f"Data: {report['data']['attribution']}", ""]
    return "\n".join(lines)
