"""Tiny random-weight transformers models, built offline, for the ``hf`` backend's tests and
benchmarks.

Each builder writes a real model folder (``config.json``, ``model.safetensors``, tokenizer
files) with ``save_pretrained``, so the tests exercise the same loading code a downloaded
model goes through. The tokenizers are made here with the ``tokenizers`` library, from a
small vocabulary: a WordPiece one for the BERT-style encoders (any English word splits into
known pieces, so there are few unknowns) and a byte-level one for the causal LM (any text
round-trips). Weights are random, seeded: the outputs are meaningless but deterministic.
"""

from __future__ import annotations

import string
from pathlib import Path

WORDS = """the a an and or but not no is are was were be been it this that these those i you
he she we they me my your our their to of in on at for with from by as about than so very
good bad great awful terrible wonderful love hate like happy sad angry nice poor best worst
movie film story plot acting service food day people time text news government vote party
economy health crime school war peace tax money work job police doctor""".split()
SPECIALS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]

# A chat template in the style of many small chat models (Zephyr, TinyLlama).
CHAT_TEMPLATE = (
    "{% for m in messages %}<|{{ m['role'] }}|>\n{{ m['content'] }}</s>\n"
    "{% endfor %}{% if add_generation_prompt %}<|assistant|>\n{% endif %}"
)


def wordpiece_tokenizer(max_length: int = 128, **special):
    """A BERT-style (uncased WordPiece) fast tokenizer over a few hundred pieces
    (``special``: more special tokens by role, e.g. ``eos_token="[SEP]"``)."""
    from tokenizers import Tokenizer, decoders, normalizers, pre_tokenizers, processors
    from tokenizers.models import WordPiece
    from transformers import PreTrainedTokenizerFast

    chars = string.ascii_lowercase + string.digits
    pieces = SPECIALS + list(chars + string.punctuation) + [f"##{c}" for c in chars] + WORDS
    vocab = {piece: i for i, piece in enumerate(dict.fromkeys(pieces))}
    tok = Tokenizer(WordPiece(vocab, unk_token="[UNK]", max_input_chars_per_word=100))
    tok.normalizer = normalizers.BertNormalizer(lowercase=True)
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tok.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]",
        pair="[CLS] $A [SEP] $B:1 [SEP]:1",
        special_tokens=[("[CLS]", vocab["[CLS]"]), ("[SEP]", vocab["[SEP]"])],
    )
    tok.decoder = decoders.WordPiece()
    return PreTrainedTokenizerFast(
        tokenizer_object=tok,
        unk_token="[UNK]",
        pad_token="[PAD]",
        cls_token="[CLS]",
        sep_token="[SEP]",
        mask_token="[MASK]",
        model_max_length=max_length,
        **special,
    )


def byte_tokenizer(chat_template: str | None = CHAT_TEMPLATE):
    """A byte-level BPE tokenizer with no merges (256 byte tokens + <s>, </s>); no pad
    token, as many causal LMs ship."""
    from tokenizers import Tokenizer, decoders, pre_tokenizers
    from tokenizers.models import BPE
    from tokenizers.pre_tokenizers import ByteLevel
    from transformers import PreTrainedTokenizerFast

    alphabet = ByteLevel.alphabet()
    vocab = {tok: i for i, tok in enumerate(["<s>", "</s>", *sorted(alphabet)])}
    tok = Tokenizer(BPE(vocab, merges=[]))
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)
    tok.decoder = decoders.ByteLevel()
    kwargs = {"chat_template": chat_template} if chat_template else {}
    return PreTrainedTokenizerFast(
        tokenizer_object=tok, bos_token="<s>", eos_token="</s>", model_max_length=512, **kwargs
    )


def _bert_config(
    vocab_size: int,
    *,
    hidden: int = 16,
    layers: int = 1,
    labels=None,
    max_positions: int = 128,
    **extra,
):
    from transformers import BertConfig

    kwargs = dict(
        vocab_size=vocab_size,
        hidden_size=hidden,
        num_hidden_layers=layers,
        num_attention_heads=2,
        intermediate_size=2 * hidden,
        max_position_embeddings=max_positions,
        # Far wider than the usual 0.02, so that random outputs differ from text
        # to text (the default makes every text score ~1/n on every label).
        initializer_range=0.5,
        **extra,
    )
    if labels is not None:
        kwargs["id2label"] = dict(enumerate(labels))
        kwargs["label2id"] = {name: i for i, name in enumerate(labels)}
    return BertConfig(**kwargs)


def build_classifier(
    folder: Path,
    labels: list[str],
    *,
    seed: int = 0,
    hidden: int = 16,
    layers: int = 1,
    max_positions: int = 128,
) -> Path:
    """A BERT-style ``BertForSequenceClassification`` with ``labels`` as its id2label
    (generic ``LABEL_k`` names are written as they are: what ``save_pretrained`` writes
    for a model trained without names)."""
    import torch
    from transformers import BertForSequenceClassification

    tokenizer = wordpiece_tokenizer(max_positions)
    torch.manual_seed(seed)
    config = _bert_config(
        len(tokenizer), hidden=hidden, layers=layers, labels=labels, max_positions=max_positions
    )
    BertForSequenceClassification(config).eval().save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return Path(folder)


def build_nli(folder: Path, *, seed: int = 0) -> Path:
    """An NLI sequence-pair classifier (labels contradiction, entailment, neutral, in the
    order of roberta-large-mnli)."""
    return build_classifier(folder, ["contradiction", "entailment", "neutral"], seed=seed)


def build_encoder(folder: Path, *, seed: int = 0) -> Path:
    """A bare ``BertModel`` (no head): the hf backend uses it for embeddings."""
    import torch
    from transformers import BertModel

    tokenizer = wordpiece_tokenizer()
    torch.manual_seed(seed)
    BertModel(_bert_config(len(tokenizer))).eval().save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return Path(folder)


def build_causal_lm(
    folder: Path, *, seed: int = 0, chat_template: str | None = CHAT_TEMPLATE, **shape
) -> Path:
    """A tiny Llama-style causal LM with a byte-level tokenizer (and a chat template unless
    ``chat_template=None``); ``shape``: ``LlamaConfig`` fields that replace the tiny ones
    (a benchmark's model of a real size)."""
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    tokenizer = byte_tokenizer(chat_template)
    torch.manual_seed(seed)
    config = LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=16,
        intermediate_size=32,
        num_hidden_layers=1,
        num_attention_heads=2,
        num_key_value_heads=1,
        max_position_embeddings=512,
        bos_token_id=0,
        eos_token_id=1,
        tie_word_embeddings=True,
        initializer_range=0.5,
    )
    config.update(shape)
    LlamaForCausalLM(config).eval().save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return Path(folder)


def build_masked_lm(folder: Path, *, seed: int = 0) -> Path:
    """A BERT ``BertForMaskedLM`` (what fill-mask probes and the attention view read), with
    the WordPiece tokenizer: "he", "she", "nurse", "doctor" are single tokens, "engineer"
    is not."""
    import torch
    from transformers import BertForMaskedLM

    tokenizer = wordpiece_tokenizer()
    torch.manual_seed(seed)
    BertForMaskedLM(_bert_config(len(tokenizer), layers=2)).eval().save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return Path(folder)


def roberta_tokenizer(words: list[str]):
    """A RoBERTa-style tokenizer: byte-level pre-tokenisation (a word after a space is
    ``Ġword``, at the start ``word``), ``<s>``/``</s>``, and a ``<mask>`` that takes the
    space before it (``lstrip``, as roberta-base's); each of ``words`` is one token with
    and without its space, anything else ``<unk>``."""
    from tokenizers import AddedToken, Tokenizer, decoders, pre_tokenizers, processors
    from tokenizers.models import WordLevel
    from transformers import PreTrainedTokenizerFast

    pieces = ["<s>", "<pad>", "</s>", "<unk>", ".", "Ġ."]
    pieces += [spelled for word in words for spelled in (word, "Ġ" + word)]
    tok = Tokenizer(WordLevel({t: i for i, t in enumerate(pieces)}, unk_token="<unk>"))
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    tok.post_processor = processors.RobertaProcessing(("</s>", 2), ("<s>", 0))
    mask = AddedToken("<mask>", lstrip=True, rstrip=False, special=True)
    return PreTrainedTokenizerFast(
        tokenizer_object=tok,
        bos_token="<s>",
        eos_token="</s>",
        sep_token="</s>",
        cls_token="<s>",
        unk_token="<unk>",
        pad_token="<pad>",
        mask_token=mask,
        model_max_length=128,
    )


def build_roberta_masked_lm(folder: Path, *, seed: int = 0) -> Path:
    """A RoBERTa ``RobertaForMaskedLM`` with :func:`roberta_tokenizer` over a few words
    ("he", "she", "He", "She", "nurse", "worked"...; "engineer" is not one token)."""
    import torch
    from transformers import RobertaConfig, RobertaForMaskedLM

    words = "he she He She The the worked as a nurse doctor is".split()
    tokenizer = roberta_tokenizer(words)
    torch.manual_seed(seed)
    config = RobertaConfig(
        vocab_size=len(tokenizer),
        hidden_size=16,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=32,
        max_position_embeddings=130,
        pad_token_id=1,
        bos_token_id=0,
        eos_token_id=2,
        initializer_range=0.5,
    )
    RobertaForMaskedLM(config).eval().save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return Path(folder)


def build_t5(folder: Path, *, seed: int = 0) -> Path:
    """A tiny T5 (``T5ForConditionalGeneration``, an encoder-decoder that writes text, as
    Flan-T5) with the WordPiece tokenizer ([PAD] starts the decoder, [SEP] ends it)."""
    import torch
    from transformers import T5Config, T5ForConditionalGeneration

    tokenizer = wordpiece_tokenizer(512, eos_token="[SEP]")
    torch.manual_seed(seed)
    config = T5Config(
        vocab_size=len(tokenizer),
        d_model=16,
        d_kv=8,
        d_ff=32,
        num_layers=1,
        num_decoder_layers=1,
        num_heads=2,
        pad_token_id=tokenizer.pad_token_id,
        decoder_start_token_id=tokenizer.pad_token_id,
        eos_token_id=tokenizer.eos_token_id,
        initializer_factor=5.0,  # as the BERT models' wide init: outputs differ by text
    )
    T5ForConditionalGeneration(config).eval().save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return Path(folder)
