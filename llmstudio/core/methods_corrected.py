"""The project methods record's section on corrected estimates: for each complete run
whose labels a person coded on a random sample, the share of each label corrected for the
model's errors (PPI and PPI++, ``core.estimates``), as ``llmstudio estimate PROJECT --run
N`` gives them overall. A figure a paper reports from model labels belongs beside its
correction, so File > Export methods shows it without being asked."""

from __future__ import annotations

from .methods_document import Document
from .methods_estimates import (
    PPI_PAPER,
    PPI_PLUS_PAPER,
    TABLE_HEADERS,
    not_narrower,
    paper_sentence,
    table_rows,
)
from .project import Project


def corrected_section(doc: Document, project: Project) -> None:
    """Add the section to ``doc``; nothing when no run has a coded random sample."""
    from .estimate_sources import GOLD, MODEL, project_columns, run_validation
    from .estimates import corrected_estimates
    from .runs import COMPLETE, run_infos

    found = []
    for info in run_infos(project):
        if info.state != COMPLETE:
            continue  # estimates over part of the corpus are not the corpus's
        check = run_validation(project, info.run_id)
        if not check.usable:
            continue
        frame, origin, _ = project_columns(project, info.run_id, check.coder)
        found.append((info, check, corrected_estimates(frame, MODEL, GOLD, origin)))
    if not found:
        return
    doc.h(2, "Corrected estimates")
    doc.p(
        "Shares of each label from the model's labels on every row, corrected with a "
        "person's codes on a random sample of rows by prediction-powered inference (PPI) "
        "and its power-tuned form PPI++; 95% intervals. Naive: the model's labels taken as "
        "true (too narrow whenever the model errs); person only: the coded sample alone. "
        f"{PPI_PAPER} {PPI_PLUS_PAPER}"
    )
    for info, check, report in found:
        doc.h(3, f"{info.title}: {info.what} with {info.model}, coded by {check.coder}")
        doc.table(TABLE_HEADERS, table_rows(report))
        for e in report.estimates:
            if e.note:
                doc.p(f"{e.group}, {e.label}: {e.note}.")
        for e in not_narrower(report):
            doc.p(
                f"{e.group}, {e.label}: the corrected interval is not narrower than the "
                f"person's {e.n_gold:,} coded rows alone; report the person-only estimate "
                "or code more rows."
            )
        doc.p(paper_sentence(report))
