"""Help › About: the version, the licences of the bundled models and of the libraries
llmstudio runs on (read from the installed packages by ``core.licences``)."""

from __future__ import annotations

from html import escape

from ... import __version__
from ...core.licences import Licence, model_licences, third_party_licences


def _rows(items: list[Licence], *, roles: bool) -> str:
    cells = []
    for item in items:
        role = f"<td>{escape(item.role)}</td>" if roles else ""
        cells.append(
            f"<tr><td><b>{escape(item.name)}</b></td>{role}<td>{escape(item.version)}</td>"
            f"<td>{escape(item.licence)}</td></tr>"
        )
    return "".join(cells)


def about_html() -> str:
    """The About page."""
    head = "<tr><th align=left>{}</th></tr>"
    models = _rows(model_licences(), roles=True)
    libraries = _rows(third_party_licences(), roles=False)
    return (
        f"<h2>llmstudio {escape(__version__)}</h2>"
        "<p>Analyse text corpora with language models: code by hand against a codebook, run "
        "sentiment, codebook coding or your own prompts through a bundled offline model, "
        "local Hugging Face models or OpenAI-compatible APIs, check agreement and bias, "
        "chart and export. Licensed under the MIT licence.</p>"
        "<h3>Bundled models</h3>"
        "<table cellspacing=0 cellpadding=4>"
        + head.format(
            "model</th><th align=left>used for</th><th align=left>version"
            "</th><th align=left>licence"
        )
        + models
        + "</table><p>Models you add yourself (local folders, Hugging Face, APIs) come with "
        "their own licences and terms; check them before you publish results.</p>"
        "<h3>Third-party libraries</h3><p>As installed here, read from each package's "
        "metadata.</p><table cellspacing=0 cellpadding=4>"
        + head.format("library</th><th align=left>version</th><th align=left>licence")
        + libraries
        + "</table><p>The sample corpus is synthetic, written for llmstudio (CC0 1.0).</p>"
    )
