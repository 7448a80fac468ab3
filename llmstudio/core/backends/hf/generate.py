"""The text-generation pipeline: a causal LM (``*ForCausalLM``, ``*LMHeadModel``). The
prompt is the task's chat messages through the tokenizer's chat template when it has one,
else plain "system / user / Answer:" text; greedy decoding; answers the task cannot parse
become that row's error."""

from __future__ import annotations

import hashlib

from ...tasks.base import ParseError, Task
from ..base import BackendError, RowError
from .base import HFBackend
from .loading import TEXT_GENERATION

MAX_NEW_TOKENS = 40


class GenerationBackend(HFBackend):
    """A causal LM that writes each answer; runs any task."""

    pipeline_task = TEXT_GENERATION

    padding_side = "left"  # every prompt in a batch then ends where generation begins

    def _model_class(self):
        """The transformers auto class this pipeline loads."""
        from transformers import AutoModelForCausalLM

        return AutoModelForCausalLM

    def _load(self, source: str) -> None:
        self.tokenizer = self._load_tokenizer(source)
        self.tokenizer.padding_side = self.padding_side
        if self.tokenizer.pad_token_id is None:
            fallback = self.tokenizer.eos_token or self.tokenizer.unk_token
            if fallback is None:
                raise BackendError(
                    f"model {self.model_name}'s tokenizer has no padding, end "
                    "or unknown token, so its prompts cannot be batched"
                )
            self.tokenizer.pad_token = fallback
        self.model = (
            self._model_class()
            .from_pretrained(source, dtype=self._dtype(), **self._load_kwargs)
            .to(self.device)
            .eval()
        )
        self.chat_template = bool(getattr(self.tokenizer, "chat_template", None))
        self.max_length = self._max_length()
        self.max_new_tokens = MAX_NEW_TOKENS

    def _fingerprint_details(self) -> dict:
        template = getattr(self.tokenizer, "chat_template", None) or ""
        return {
            "generation": {
                "do_sample": False,
                "max_new_tokens": self.max_new_tokens,
                "prompt": "chat template" if self.chat_template else "plain",
                "template": hashlib.sha256(str(template).encode()).hexdigest()[:12]
                if template
                else None,
            }
        }

    def refusal(self, task: Task) -> str:
        return ""  # it writes text: any task

    def _annotate(self, task: Task, texts: list[str]) -> list[dict | RowError]:
        out: list[dict | RowError] = []
        for start in range(0, len(texts), self.batch_size):
            out += self._generate(task, texts[start : start + self.batch_size])
        return out

    def input_limit(self, task: Task) -> int:
        """The model's maximum length less the prompt around the text and room for the
        answer."""
        with self._tokenizer_lock:
            prompt = len(
                self.tokenizer(
                    self._prompt(task, ""), verbose=False, add_special_tokens=not self.chat_template
                )["input_ids"]
            )
        return self.max_length - self._answer_room(task) - prompt

    def _prompt(self, task: Task, text: str) -> str:
        messages = task.messages(text)
        if self.chat_template:
            try:
                return self.tokenizer.apply_chat_template(
                    messages, tokenize=False, add_generation_prompt=True
                )
            except Exception:
                # Some templates refuse a system turn: fold it into the user's.
                system = "\n\n".join(m["content"] for m in messages if m["role"] == "system")
                rest = [dict(m) for m in messages if m["role"] != "system"]
                if rest and system:
                    rest[0]["content"] = f"{system}\n\n{rest[0]['content']}"
                return self.tokenizer.apply_chat_template(
                    rest, tokenize=False, add_generation_prompt=True
                )
        parts = [m["content"] for m in messages if m["role"] == "system"]
        parts += [m["content"] for m in messages if m["role"] != "system"]
        return "\n\n".join(parts) + "\n\nAnswer:"

    def _new_tokens(self, task: Task) -> int:
        """Room for the answer: a label's JSON in 40 tokens; explanations and free prompts
        (a rewrite, a summary) get twice the task's expected length."""
        return max(self.max_new_tokens, 2 * task.expected_output_tokens())

    def _answer_room(self, task: Task) -> int:
        """How much of the model's maximum length the answer takes: a causal LM writes
        it after the prompt, in the same sequence."""
        return self._new_tokens(task)

    def _written(self, generated, prompt_length: int):
        """The tokens the model wrote: what follows the (left-padded) prompt."""
        return generated[:, prompt_length:]

    def _fitted_prompt(self, task: Task, text: str) -> str:
        """The prompt, with the text shortened when prompt + answer would not fit."""
        prompt = self._prompt(task, text)
        budget = self.max_length - self._answer_room(task)
        over = (
            len(
                self.tokenizer(prompt, add_special_tokens=not self.chat_template, verbose=False)[
                    "input_ids"
                ]
            )
            - budget
        )
        if over > 0:
            ids = self.tokenizer(text, add_special_tokens=False, verbose=False)["input_ids"]
            text = self.tokenizer.decode(ids[: max(0, len(ids) - over)])
            prompt = self._prompt(task, text)
        return prompt

    def _generate(self, task: Task, texts: list[str]) -> list[dict | RowError]:
        torch = self._torch
        prompts = [self._fitted_prompt(task, text) for text in texts]
        # A chat template writes its own special tokens (BOS); a plain prompt needs them.
        encoded = self.tokenizer(
            prompts, padding=True, return_tensors="pt", add_special_tokens=not self.chat_template
        )
        encoded = {k: v.to(self.device) for k, v in encoded.items()}
        with torch.inference_mode():
            generated = self.model.generate(
                **encoded,
                do_sample=False,
                max_new_tokens=self._new_tokens(task),
                pad_token_id=self.tokenizer.pad_token_id,
                temperature=None,
                top_p=None,
                top_k=None,
            )
        answers = self.tokenizer.batch_decode(
            self._written(generated, encoded["input_ids"].shape[1]), skip_special_tokens=True
        )
        out: list[dict | RowError] = []
        for answer in answers:
            try:
                out.append(task.parse(answer))
            except ParseError as exc:
                out.append(RowError(f"unparseable answer: {exc}"))
        return out
