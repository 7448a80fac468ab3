"""Before an API run: how many requests and tokens, and what it may cost.

Prices are US dollars per million tokens (input, output). The defaults are OpenAI's list
prices at the time of writing and change: the user's own table (``prices.json`` in the
config folder, edited in Model settings) takes precedence. Models without a price
(local servers, unknown names) are estimated in tokens only.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

from .paths import config_dir
from .tasks.base import Task

DEFAULT_PRICES: dict[str, tuple[float, float]] = {
    "gpt-4o-mini": (0.15, 0.60),
    "gpt-4o": (2.50, 10.00),
    "gpt-4.1-nano": (0.10, 0.40),
    "gpt-4.1-mini": (0.40, 1.60),
    "gpt-4.1": (2.00, 8.00),
}
# A run sent through the Batch API costs half the list price (OpenAI's Batch API pricing,
# https://platform.openai.com/docs/guides/batch: "50% lower costs"); the user's prices.json
# gives list prices, to which this applies.
BATCH_PRICE_FACTOR = 0.5


def _prices_file():
    return config_dir() / "prices.json"


def price_table() -> dict[str, tuple[float, float]]:
    """Defaults overlaid with the user's own prices."""
    table = dict(DEFAULT_PRICES)
    try:
        user = json.loads(_prices_file().read_text(encoding="utf-8"))
        table.update({k: (float(v[0]), float(v[1])) for k, v in user.items()})
    except (OSError, ValueError, TypeError, IndexError, AttributeError):
        pass
    return table


def save_price_table(table: dict[str, tuple[float, float]]) -> None:
    path = _prices_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({k: list(v) for k, v in table.items()}, indent=1), "utf-8")


def tokens(text: str) -> int:
    """About four characters a token (OpenAI's rule of thumb for English): an average, for
    what a run costs and what the rate limiter counts. Whether a text fits a model is
    judged with the cautious :func:`llmstudio.core.backends.base.estimate_tokens`."""
    return max(1, len(text) // 4)


@dataclass
class Estimate:
    requests: int
    input_tokens: int
    output_tokens: int
    cost_usd: float | None  # None: no price known for this model
    same_text: int = 0  # rows with the same input as an earlier row: not sent again
    batch: bool = False  # priced as a Batch API run (BATCH_PRICE_FACTOR of the list price)

    def __str__(self) -> str:
        cost = (
            f"about ${self.cost_usd:,.2f}" + (" at the batch price (half)" if self.batch else "")
            if self.cost_usd is not None
            else "cost unknown (no price for this model)"
        )
        same = f" ({self.same_text_note})" if self.same_text else ""
        return (
            f"{self.requests:,} requests{same}, about {self.input_tokens:,} input and "
            f"{self.output_tokens:,} output tokens; {cost}"
        )

    @property
    def same_text_note(self) -> str:
        """ "12 rows with the same text as an earlier row: sent once" ("" if none)."""
        return f"{same_text_words(self.same_text)}: sent once" if self.same_text else ""


def same_text_words(rows: int) -> str:
    """ "12 rows with the same text as an earlier row": how the estimate and the job's
    summary name the rows that share another row's request."""
    return f"{rows:,} row{'s' if rows != 1 else ''} with the same text as an earlier row"


def estimate(
    task: Task,
    texts: list[str],
    model: str,
    output_tokens_per_row: int | None = None,
    *,
    pieces: Callable[[list[str]], list[str]] | None = None,
    batch: bool = False,
) -> Estimate:
    """Tokens and cost of sending ``texts`` (each row's input as the runner makes it: see
    :func:`llmstudio.core.runner.row_inputs`) through ``task``.

    Identical inputs count once: a job sends each distinct input once and gives its
    answer to every row that has it (``core/runner.py``). ``pieces`` turns the distinct
    inputs into what is sent (a long text's chunks: ``LongTexts.pieces``); ``batch``: sent
    through the Batch API, at its price."""
    distinct = list(dict.fromkeys(texts))
    same_text = len(texts) - len(distinct)
    texts = pieces(distinct) if pieces is not None else distinct
    prompt = sum(tokens(m["content"]) for m in task.messages(""))
    inp = sum(prompt + tokens(t) for t in texts)
    per_row = (
        task.expected_output_tokens() if output_tokens_per_row is None else output_tokens_per_row
    )
    out = per_row * len(texts)
    price = price_table().get(model)
    cost = None if price is None else (inp * price[0] + out * price[1]) / 1e6
    if cost is not None and batch:
        cost *= BATCH_PRICE_FACTOR
    return Estimate(len(texts), inp, out, cost, same_text, batch)
