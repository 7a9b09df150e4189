"""train_tokenizer: Qwen special tokens first, byte-level round trip, chat template with image lists."""

from __future__ import annotations

import pytest

from hymar.models.tokenizer import (
    CHAT_TEMPLATE,
    REASONING_TAGS,
    SPECIAL_TOKENS,
    train_tokenizer,
)

from .conftest import small_corpus

IMAGE_BLOCK = "<|vision_start|><|image_pad|><|vision_end|>"


@pytest.fixture(scope="module")
def tok():
    return train_tokenizer(small_corpus(), vocab_size=400)


class TestVocabulary:
    def test_special_tokens_first_in_qwen_order(self, tok):
        assert tok.convert_tokens_to_ids(list(SPECIAL_TOKENS)) == list(range(len(SPECIAL_TOKENS)))

    def test_eos_pad_and_left_padding(self, tok):
        assert (tok.eos_token, tok.pad_token, tok.padding_side) == ("<|im_end|>", "<|endoftext|>", "left")

    def test_reasoning_tags_are_single_ordinary_tokens(self, tok):
        for tag in REASONING_TAGS:
            assert len(tok(tag, add_special_tokens=False)["input_ids"]) == 1, tag
        ids = tok("<think>x</think><answer>3</answer>")["input_ids"]
        # TRL decodes completions with skip_special_tokens=True: the tags must survive it
        assert tok.decode(ids, skip_special_tokens=True) == "<think>x</think><answer>3</answer>"

    def test_skip_special_tokens_drops_chat_and_vision_markers(self, tok):
        ids = tok(f"<|im_start|>assistant\n{IMAGE_BLOCK}hi<|im_end|><|endoftext|>")["input_ids"]
        assert tok.decode(ids, skip_special_tokens=True) == "assistant\nhi"

    def test_size_bounded_by_vocab_size_plus_extra_tokens(self, tok):
        assert len(tok) <= 400 + len(REASONING_TAGS)

    def test_without_extra_tokens_tags_are_split(self):
        plain = train_tokenizer(small_corpus(), vocab_size=300, extra_tokens=())
        assert "<think>" not in plain.get_vocab()

    @pytest.mark.parametrize(
        "vocab_size, reason",
        [(264, "no room beyond the special tokens and the 256 bytes"), (0, "nonsense size")],
    )
    def test_too_small_vocab_rejected(self, vocab_size, reason):
        with pytest.raises(ValueError, match="vocab_size"):
            train_tokenizer(["abc"], vocab_size=vocab_size)

    def test_non_string_corpus_item_rejected(self):
        with pytest.raises(TypeError, match="str"):
            train_tokenizer(["fine", 3], vocab_size=300)

    def test_deterministic_for_the_same_corpus(self, tok):
        again = train_tokenizer(small_corpus(), vocab_size=400)
        assert again.get_vocab() == tok.get_vocab()


@pytest.mark.parametrize(
    "text, reason",
    [
        ("How many circles are in the image?", "corpus text"),
        ("<think>I count 3 red circles.</think><answer>3</answer>", "demonstration with tags"),
        ("Zebra quokka 98765 !?", "words and digits never seen in the corpus"),
        ("naïve café ∑ 漢字 🙂", "non-ASCII falls back to bytes"),
        ("  two  spaces\nand\ttabs\n", "whitespace kept exactly"),
        ("", "empty string"),
    ],
)
def test_round_trip(tok, text, reason):
    ids = tok(text, add_special_tokens=False)["input_ids"]
    assert tok.decode(ids) == text, reason


class TestChatTemplate:
    def test_template_is_the_module_template(self, tok):
        assert tok.chat_template == CHAT_TEMPLATE

    def test_string_content(self, tok):
        messages = [{"role": "user", "content": "What is 2 + 3?"}]
        text = tok.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
        assert text == "<|im_start|>user\nWhat is 2 + 3?<|im_end|>\n<|im_start|>assistant\n"

    def test_image_list_content_places_one_image_block_per_image_part(self, tok):
        messages = [
            {
                "role": "user",
                "content": [
                    {"type": "image"},
                    {"type": "text", "text": "Left."},
                    {"type": "image", "text": None},  # the shape a datasets column gives an image part
                    {"type": "text", "text": "Right?"},
                ],
            }
        ]
        text = tok.apply_chat_template(messages, tokenize=False)
        assert text == f"<|im_start|>user\n{IMAGE_BLOCK}Left.{IMAGE_BLOCK}Right?<|im_end|>\n"

    def test_assistant_list_content_and_no_generation_prompt(self, tok):
        messages = [
            {"role": "user", "content": "Q"},
            {"role": "assistant", "content": [{"type": "text", "text": "<answer>1</answer>"}]},
        ]
        text = tok.apply_chat_template(messages, tokenize=False)
        assert text == "<|im_start|>user\nQ<|im_end|>\n<|im_start|>assistant\n<answer>1</answer><|im_end|>\n"

    def test_prompt_is_a_prefix_of_prompt_plus_completion(self, tok):
        # TRL's prompt-completion path cuts the completion off the full render at the prompt's length
        prompt = [{"role": "user", "content": [{"type": "image"}, {"type": "text", "text": "How many?"}]}]
        full = prompt + [{"role": "assistant", "content": "<answer>2</answer>"}]
        head = tok.apply_chat_template(prompt, tokenize=False, add_generation_prompt=True)
        whole = tok.apply_chat_template(full, tokenize=False)
        assert whole.startswith(head) and whole[len(head):] == "<answer>2</answer><|im_end|>\n"

    def test_batch_padding_is_on_the_left(self, tok):
        batch = tok(["a", "a longer text here"], padding=True)
        assert batch["input_ids"][0][0] == tok.pad_token_id and batch["attention_mask"][0][0] == 0
        assert batch["attention_mask"][1][0] == 1
