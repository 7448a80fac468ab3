#!/usr/bin/env python3
"""A real OpenAI-compatible server for llmstudio to talk to, offline: a tiny causal LM made
and trained here on the CPU, served by transformers' own ``transformers serve``.

No network and no downloaded model: the model is a Llama-shaped transformer (2 layers,
134,000 parameters) with a byte-level BPE tokenizer learned here and a chat template,
trained for a minute or two to answer llmstudio's sentiment prompt (the messages
``OpenAIBackend`` sends for the sentiment task) with ``{"label": ..., "score": ...}``:
"positive" when the text has a positive word (good, great, excellent, wonderful, lovely),
"negative" for a negative word (bad, awful, terrible, poor, horrible), "neutral" otherwise;
the score rises with the number of such words. Its answers therefore depend on a few
known words, which is what an attribution should find.

It is for the team, by hand; CI never runs it (tests use tests/fakes/openai_server.py).

    python3 -m venv /tmp/serve20-venv
    /tmp/serve20-venv/bin/pip install torch==2.13.0 "transformers==<.venv's>" \\
        fastapi uvicorn accelerate
    # or share .venv's packages and add the serving ones:
    #   echo $PWD/.venv/lib/python3.11/site-packages \\
    #     > /tmp/serve20-venv/lib/python3.11/site-packages/main.pth
    #   /tmp/serve20-venv/bin/pip install fastapi uvicorn accelerate
    .venv/bin/python scripts/serve_tiny_llm.py make --out /tmp/serve20   # ~2 min on 2 cores
    .venv/bin/python scripts/serve_tiny_llm.py serve --out /tmp/serve20 \\
        --python /tmp/serve20-venv/bin/python   # foreground; Ctrl+C stops it
    # then (a small corpus is written beside the model, /tmp/serve20/reviews.csv):
    llmstudio annotate /tmp/serve20/reviews.csv --model openai:serve20-sentiment \\
        --base-url http://127.0.0.1:8765/v1 --project /tmp/serve20/reviews.llmstudio
    llmstudio explain /tmp/serve20/reviews.llmstudio --row 5 --run 1 \\
        --base-url http://127.0.0.1:8765/v1

``make`` needs llmstudio importable (run it from the repository root): the prompt it
trains on is the one llmstudio sends. ``serve`` starts the server in the model's parent
folder, so the model's name in requests is just ``serve20-sentiment``.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import sys
import time
from pathlib import Path

NAME = "serve20-sentiment"
POSITIVE = ("good", "great", "excellent", "wonderful", "lovely")
NEGATIVE = ("bad", "awful", "terrible", "poor", "horrible")
FILLER = (
    "the a this that my our their new old local city town council school park road "
    "bus train service staff food meal coffee room hotel film book show report plan "
    "meeting vote budget policy team game weather day week morning evening news "
    "was is were are seemed looked felt became stayed remained "
    "very quite rather really so too today yesterday again still only just also "
    "and but then when after before because while with without about for in on at "
    "we they it he she you people everyone someone nobody "
    "opened closed started ended arrived left said told asked met found made "
    "during near from into over under between across through by of to as"
).split()
# A small corpus to annotate and explain (texts the model never saw), written beside it.
REVIEWS = (
    "The new bus service was great and the staff were friendly.",
    "Our hotel room was awful and the coffee was cold.",
    "The council met on Tuesday to discuss the budget.",
    "What a wonderful evening at the park with everyone.",
    "The train arrived late again and the food was terrible.",
    "The report was published in the morning.",
    "My meal at the local cafe was really good.",
    "The weather this week has been horrible.",
    "They opened a new school near the road.",
    "The film was excellent but too long.",
    "The meeting about the plan ended after lunch.",
    "Service at the town library was poor today.",
)
SPECIAL = ["<|system|>", "<|user|>", "<|assistant|>", "<|end|>", "<|pad|>"]
CHAT_TEMPLATE = (
    "{% for m in messages %}<|{{ m['role'] }}|>{{ m['content'] }}<|end|>{% endfor %}"
    "{% if add_generation_prompt %}<|assistant|>{% endif %}"
)


def _sentence(rng: random.Random) -> tuple[str, str, float]:
    """A text, its label and the score the model learns to state."""
    words = [rng.choice(FILLER) for _ in range(rng.randint(2, 16))]
    kind = rng.choice(("positive", "negative", "neutral"))
    count = 0 if kind == "neutral" else rng.choice((1, 1, 1, 2))
    pool = POSITIVE if kind == "positive" else NEGATIVE
    for _ in range(count):
        words.insert(rng.randint(0, len(words)), rng.choice(pool))
    if rng.random() < 0.5:
        words[0] = words[0].capitalize()
    text = " ".join(words) + rng.choice((".", ".", "!", ""))
    score = {0: 0.7, 1: 0.8, 2: 0.95}[count]
    return text, kind, score


def _answer(label: str, score: float) -> str:
    return json.dumps({"label": label, "score": score})


def make(out: Path, steps: int, seed: int) -> Path:
    """Make, train and save the model folder ``out/NAME``; returns it."""
    import torch
    from tokenizers import AddedToken, Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import (
        GenerationConfig,
        LlamaConfig,
        LlamaForCausalLM,
        PreTrainedTokenizerFast,
    )

    from llmstudio.core.tasks.sentiment import SentimentTask

    rng = random.Random(seed)
    torch.manual_seed(seed)
    torch.set_num_threads(1)  # a model this small: threads only wait for each other
    task = SentimentTask()
    examples = [_sentence(rng) for _ in range(6000)]

    def messages(text: str) -> list[dict]:
        return task.messages(text)

    # The tokenizer: byte-level BPE learned on the very prompts and answers
    raw = Tokenizer(models.BPE())
    raw.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    raw.decoder = decoders.ByteLevel()
    corpus = [m["content"] for t, _, _ in examples[:2000] for m in messages(t)]
    corpus += [_answer(lab, s) for _, lab, s in examples[:2000]]
    trainer = trainers.BpeTrainer(
        vocab_size=800,
        special_tokens=SPECIAL,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
    )
    raw.train_from_iterator(corpus, trainer)
    tok = PreTrainedTokenizerFast(
        tokenizer_object=raw,
        eos_token="<|end|>",
        pad_token="<|pad|>",
        bos_token="<|system|>",
        additional_special_tokens=["<|user|>", "<|assistant|>"],
    )
    tok.chat_template = CHAT_TEMPLATE
    # The instruction llmstudio sends (the same in every request) and the user message's
    # "Text:" line as one token each: the sequences are the text and the answer, short
    # enough to train in a minute or two on a CPU.
    constant = [m["content"] for m in messages("")]
    tok.add_tokens([AddedToken(c, normalized=False) for c in constant if c.strip()])

    def encode(text: str, label: str, score: float) -> tuple[list[int], list[int]]:
        prompt = tok.apply_chat_template(messages(text), add_generation_prompt=True, tokenize=False)
        p = tok(prompt, add_special_tokens=False)["input_ids"]
        a = tok(_answer(label, score) + "<|end|>", add_special_tokens=False)["input_ids"]
        return p + a, [-100] * len(p) + a  # the loss on the answer only

    data = [encode(*e) for e in examples]
    longest = max(len(ids) for ids, _ in data)
    config = LlamaConfig(
        vocab_size=len(tok),
        hidden_size=64,
        intermediate_size=128,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=4,
        # RoPE has no position weights: a long context costs nothing, and the server can be
        # started with a smaller --max-model-len to see llmstudio learn it from a refusal
        max_position_embeddings=2048,
        bos_token_id=tok.bos_token_id,
        eos_token_id=tok.eos_token_id,
        pad_token_id=tok.pad_token_id,
        tie_word_embeddings=True,
    )
    model = LlamaForCausalLM(config)
    print(f"{sum(p.numel() for p in model.parameters()):,} parameters, longest {longest} tokens")
    optimiser = torch.optim.AdamW(model.parameters(), lr=5e-3, weight_decay=0.0)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimiser, max_lr=5e-3, total_steps=steps)
    model.train()
    started = time.monotonic()
    for step in range(steps):
        batch = rng.sample(data, 64)
        width = max(len(ids) for ids, _ in batch)
        ids = torch.tensor([i + [tok.pad_token_id] * (width - len(i)) for i, _ in batch])
        labels = torch.tensor([lab + [-100] * (width - len(lab)) for _, lab in batch])
        mask = (
            torch.arange(width)[None, :] < torch.tensor([len(i) for i, _ in batch])[:, None]
        ).long()
        loss = model(input_ids=ids, attention_mask=mask, labels=labels).loss
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimiser.step()
        schedule.step()
        optimiser.zero_grad()
        if step % 100 == 0 or step == steps - 1:
            print(
                f"step {step:4d}  loss {loss.item():.4f}  {time.monotonic() - started:.0f} s",
                flush=True,
            )
    model.eval()
    folder = out / NAME
    model.generation_config = GenerationConfig(
        eos_token_id=tok.eos_token_id,
        pad_token_id=tok.pad_token_id,
        bos_token_id=tok.bos_token_id,
        do_sample=False,
        max_new_tokens=40,
    )
    model.save_pretrained(folder)
    tok.save_pretrained(folder)
    with open(out / "reviews.csv", "w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows([("id", "text"), *enumerate(REVIEWS, 1)])
    _check(model, tok, messages, rng)
    return folder


def _check(model, tok, messages, rng: random.Random) -> None:
    """Greedy answers on fresh texts: how often the label is the rule's."""
    import torch

    right = 0
    fresh = [_sentence(rng) for _ in range(60)]
    for text, label, _ in fresh:
        prompt = tok.apply_chat_template(messages(text), add_generation_prompt=True, tokenize=False)
        ids = tok(prompt, add_special_tokens=False, return_tensors="pt")["input_ids"]
        with torch.no_grad():
            out = model.generate(ids, max_new_tokens=30, do_sample=False)
        answer = tok.decode(out[0, ids.shape[1] :], skip_special_tokens=True)
        try:
            right += json.loads(answer)["label"] == label
        except (ValueError, KeyError, TypeError):
            print("unreadable:", repr(answer))
    print(f"held-out texts labelled by the rule: {right} of {len(fresh)}")


def serve(out: Path, python: str, host: str, port: int, max_model_len: int | None) -> int:
    """Run ``transformers serve`` on ``host``:``port`` pinned to the model (foreground)."""
    command = [
        python,
        "-c",
        "from transformers.cli.transformers import main; main()",
        "serve",
        NAME,
        "--host",
        host,
        "--port",
        str(port),
        "--device",
        "cpu",
        "--enable-log-requests",
        *(["--max-model-len", str(max_model_len)] if max_model_len else []),
    ]
    print("in", out, ":", " ".join(command), flush=True)
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    os.chdir(out)
    os.execve(python, command, env)  # the server is this process: a signal stops it


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    m = sub.add_parser("make", help="make and train the model")
    m.add_argument("--out", type=Path, default=Path("/tmp/serve20"))
    m.add_argument("--steps", type=int, default=800)
    m.add_argument("--seed", type=int, default=0)
    s = sub.add_parser("serve", help="serve it with transformers serve")
    s.add_argument("--out", type=Path, default=Path("/tmp/serve20"))
    s.add_argument("--python", default=sys.executable, help="a Python with transformers[serving]")
    s.add_argument("--port", type=int, default=8765)
    s.add_argument(
        "--max-model-len",
        type=int,
        help="the context it takes, in tokens (e.g. 1000: longer prompts are refused)",
    )
    s.add_argument(
        "--host",
        default="127.0.0.1",
        help="the address to listen on (0.0.0.0 and this machine's own address as the base "
        "URL: a server llmstudio sees as elsewhere, so it asks consent)",
    )
    args = parser.parse_args()
    if args.command == "make":
        print("model in", make(args.out, args.steps, args.seed))
        return 0
    return serve(args.out, args.python, args.host, args.port, args.max_model_len)


if __name__ == "__main__":
    sys.exit(main())
