"""A byte-level BPE tokenizer trained locally, with Qwen2-VL's special tokens and chat format.

The embedded policy cannot download Qwen's 150k-token vocabulary (no hub), and would not want it: a
vocabulary of about a thousand tokens keeps the embedding and output layers of a few-million-parameter
model small. What the rest of hymar relies on is kept from Qwen2(.5)-VL:

- the same special tokens, first and in Qwen's order (``<|endoftext|>`` ... ``<|video_pad|>``), so the
  Qwen2.5-VL model and processor find ``<|image_pad|>`` and friends by name;
- the ChatML format (``<|im_start|>role\\n ... <|im_end|>\\n``), eos ``<|im_end|>``, pad
  ``<|endoftext|>`` and left padding (generation pads on the left);
- a chat template that accepts string content and ``[{"type": "image"}, {"type": "text", ...}]`` lists
  (the format TRL and the synthetic task suite use).

The reasoning tags ``<think>``, ``</think>``, ``<answer>``, ``</answer>`` are added as ordinary (not
special) tokens, one token each: demonstrations and completions get shorter, and decoding with
``skip_special_tokens=True`` (what TRL does) keeps them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from transformers import AddedToken, PreTrainedTokenizerFast

#: Qwen2-VL's special tokens in Qwen's order: the first ids of every tokenizer built here.
SPECIAL_TOKENS: tuple[str, ...] = (
    "<|endoftext|>",
    "<|im_start|>",
    "<|im_end|>",
    "<|vision_start|>",
    "<|vision_end|>",
    "<|vision_pad|>",
    "<|image_pad|>",
    "<|video_pad|>",
)

#: The reasoning-then-answer tags of hymar's output format, one ordinary token each.
REASONING_TAGS: tuple[str, ...] = ("<think>", "</think>", "<answer>", "</answer>")

#: ChatML with Qwen2-VL's image placeholder; ``content`` may be a string or a list of typed parts.
#: A part counts as an image when its type is "image" (TRL fills such parts with an "image" payload).
CHAT_TEMPLATE = (
    "{% for message in messages %}<|im_start|>{{ message['role'] }}\n"
    "{% if message['content'] is string %}{{ message['content'] }}"
    "{% else %}{% for part in message['content'] %}"
    "{% if part['type'] == 'image' %}<|vision_start|><|image_pad|><|vision_end|>"
    "{% elif part['type'] == 'text' %}{{ part['text'] }}{% endif %}"
    "{% endfor %}{% endif %}<|im_end|>\n{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)

# Text every tokenizer sees besides the corpus: the chat scaffolding and digits, so that role names and
# numbers never fall back to single bytes even when the corpus lacks them.
_SCAFFOLD = (
    "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n",
    "<|im_start|>user\n<|im_end|>\n<|im_start|>assistant\n<|im_end|>\n",
    "0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20",
)


def train_tokenizer(
    corpus: Iterable[str],
    vocab_size: int = 1024,
    *,
    extra_tokens: Sequence[str] = REASONING_TAGS,
) -> PreTrainedTokenizerFast:
    """Train a byte-level BPE tokenizer on ``corpus`` with Qwen's special tokens and chat template.

    Training is deterministic for a given corpus (same order, same text), so a model folder rebuilt
    from the same corpus gets the same ids.

    Args:
        corpus: training texts (e.g. ``hymar.data.synthetic.task_corpus(suite)``). Consumed once.
        vocab_size: upper bound on the BPE vocabulary, special tokens included; a small corpus may
            yield fewer tokens (``len(tokenizer)`` is the real size, ``extra_tokens`` come on top).
        extra_tokens: ordinary (non-special) tokens added after training, one id each.

    Returns:
        A ``PreTrainedTokenizerFast`` with eos ``<|im_end|>``, pad ``<|endoftext|>``, left padding and
        `CHAT_TEMPLATE`.

    Example:
        >>> tok = train_tokenizer(["How many circles? <answer>3</answer>"] * 10, vocab_size=300)
        >>> tok.convert_tokens_to_ids("<|im_start|>"), tok.eos_token, tok.pad_token
        (1, '<|im_end|>', '<|endoftext|>')
    """
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

    if vocab_size <= len(SPECIAL_TOKENS) + 256:
        raise ValueError(f"vocab_size must exceed {len(SPECIAL_TOKENS) + 256} (special tokens + 256 bytes), got {vocab_size}")
    bpe = Tokenizer(models.BPE())
    # add_prefix_space=False: ChatML puts text right after "\n", and a leading space would shift every id.
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    bpe.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=list(SPECIAL_TOKENS),
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),  # every byte is representable
        show_progress=False,
    )
    bpe.train_from_iterator(_with_scaffold(corpus), trainer)
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=bpe,
        eos_token="<|im_end|>",
        pad_token="<|endoftext|>",
        # listed so that decode(skip_special_tokens=True) drops the chat and vision markers
        additional_special_tokens=[t for t in SPECIAL_TOKENS if t not in ("<|im_end|>", "<|endoftext|>")],
        padding_side="left",
        chat_template=CHAT_TEMPLATE,
    )
    if extra_tokens:
        tokenizer.add_tokens([AddedToken(t, special=False, normalized=False) for t in extra_tokens])
    return tokenizer


def _with_scaffold(corpus: Iterable[str]) -> Iterable[str]:
    yield from _SCAFFOLD
    for text in corpus:
        if not isinstance(text, str):
            raise TypeError(f"corpus items must be str, got {type(text).__name__}")
        yield text
