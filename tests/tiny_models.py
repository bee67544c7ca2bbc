"""Tiny randomly initialised Florence-2, Gemma 4 (dense and MoE), Gemma 3 and PaliGemma checkpoints,
built offline and saved to a folder, so tests load them through exactly the `from_pretrained`,
processor, chat-template, generate and post-processing code a real checkpoint goes through.

Adapted from ../shared/recipes/ (florence_tiny.py, gemma_tiny.py). The weights are noise; the
tokenizers, processors and configs have the real structure: Florence-2's BART tokenizer with
`<loc_0>`..`<loc_999>` and every post-processor key, Gemma's real special-token strings and a
chat template of the real shape, Gemma 4's MoE block as in 26B-A4B.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import torch

# ---------------------------------------------------------------- Florence-2

FLORENCE_IMAGE = 128  # vision stride 4*2*2*2 = 32 -> 4x4 spatial tokens + 1 temporal = 17 image tokens
FLORENCE_CORPUS = [
    "What is the text in the image?", "What is the text in the image, with regions?",
    "What does the image describe?", "Describe in detail what is shown in the image.",
    "Locate the objects with category name in the image.", "Locate the region proposals in the image.",
    "Locate the phrases in the caption: a red car", "Locate a red box in the image.",
    "a photo of a cat and a dog on a street with cars, trees, people and a stop sign",
] * 20
# the extra tokens the original Florence-2 processor adds, <loc_0>..<loc_999> included
FLORENCE_TOKENS = (["<od>", "</od>", "<ocr>", "</ocr>"] + [f"<loc_{i}>" for i in range(1000)]
                   + ["<cap>", "</cap>", "<ncap>", "</ncap>", "<dcap>", "</dcap>", "<grounding>", "</grounding>",
                      "<seg>", "</seg>", "<sep>", "<region_cap>", "</region_cap>", "<region_to_desciption>",
                      "</region_to_desciption>", "<proposal>", "</proposal>", "<poly>", "</poly>", "<and>"])
# post_process_generation raises "Unsupported parse task" for a task whose key is missing
FLORENCE_POST_PROCESSOR = {
    "ocr": {"pattern": r"(.+?)<loc_(\d+)><loc_(\d+)><loc_(\d+)><loc_(\d+)><loc_(\d+)><loc_(\d+)><loc_(\d+)><loc_(\d+)>",
            "area_threshold": 0.0},
    "phrase_grounding": {"banned_grounding_tokens": ["the image"]},
    "pure_text": {}, "description_with_bboxes": {}, "description_with_polygons": {}, "polygons": {},
    "bboxes": {}, "description_with_bboxes_or_polygons": {},
}


def _florence_tokenizer():
    from tokenizers import ByteLevelBPETokenizer
    from transformers import BartTokenizer

    bpe = ByteLevelBPETokenizer()  # the byte-level BPE family of BART's tokenizer
    bpe.train_from_iterator(FLORENCE_CORPUS, vocab_size=400, min_frequency=1, show_progress=False,
                            special_tokens=["<s>", "<pad>", "</s>", "<unk>", "<mask>"])
    with tempfile.TemporaryDirectory() as folder:
        bpe.save_model(folder)
        vocab = json.loads(Path(folder, "vocab.json").read_text())
        merges = [tuple(line.split(" ")) for line in Path(folder, "merges.txt").read_text().splitlines()
                  if line.strip() and not line.startswith("#")]
    tokenizer = BartTokenizer(vocab=vocab, merges=merges, extra_special_tokens={"image_token": "<image>"})
    tokenizer.add_tokens(FLORENCE_TOKENS, special_tokens=True)
    return tokenizer


def florence2_processor(image_size: int = FLORENCE_IMAGE):
    """A Florence2Processor with the tiny BART tokenizer that resizes images to `image_size` square."""
    from transformers import CLIPImageProcessorPil, Florence2Processor

    tokenizer = _florence_tokenizer()
    image_processor = CLIPImageProcessorPil(
        do_resize=True, size={"height": image_size, "width": image_size}, do_center_crop=False,
        crop_size={"height": image_size, "width": image_size}, do_rescale=True, rescale_factor=1 / 255,
        do_normalize=True, image_mean=[0.485, 0.456, 0.406], image_std=[0.229, 0.224, 0.225], resample=3)
    image_processor.image_seq_length = (image_size // 32) ** 2 + 1  # Florence2Processor reads this
    return Florence2Processor(image_processor=image_processor, tokenizer=tokenizer,
                              post_processor_config=FLORENCE_POST_PROCESSOR)


def _bart_config(tokenizer, vocab_size: int, **sizes) -> dict:
    return dict(model_type="bart", vocab_size=vocab_size, bos_token_id=tokenizer.bos_token_id,
                pad_token_id=tokenizer.pad_token_id, eos_token_id=tokenizer.eos_token_id,
                decoder_start_token_id=tokenizer.eos_token_id, forced_bos_token_id=tokenizer.bos_token_id,
                forced_eos_token_id=tokenizer.eos_token_id, dropout=0.0, attention_dropout=0.0,
                activation_dropout=0.0, **sizes)


def build_florence2(out: Path) -> Path:
    """A native `florence2` checkpoint folder (model + Florence2Processor), about 1 MB."""
    from transformers import Florence2Config, Florence2ForConditionalGeneration

    torch.manual_seed(0)
    processor = florence2_processor()
    tokenizer = processor.tokenizer
    text_config = _bart_config(
        tokenizer, ((len(tokenizer) + 63) // 64) * 64, d_model=32, max_position_embeddings=256, encoder_layers=1,
        decoder_layers=1, encoder_attention_heads=2, decoder_attention_heads=2, encoder_ffn_dim=64, decoder_ffn_dim=64,
        scale_embedding=False)
    vision_config = dict(
        depths=[1, 1, 1, 1], embed_dim=[8, 16, 16, 32], num_heads=[1, 1, 1, 2], num_groups=[1, 1, 1, 2],
        patch_size=[7, 3, 3, 3], patch_stride=[4, 2, 2, 2], patch_padding=[3, 1, 1, 1],
        patch_prenorm=[False, True, True, True], window_size=4, projection_dim=32, drop_path_rate=0.0)
    config = Florence2Config(text_config=text_config, vision_config=vision_config,
                             image_token_id=tokenizer.image_token_id)
    Florence2ForConditionalGeneration(config).eval().save_pretrained(out)
    processor.save_pretrained(out)
    return out


FLORENCE_LARGE_IMAGE = 768


def florence2_large_config(tokenizer):
    """Florence-2-large's architecture (0.77B parameters): DaViT with embeddings 256-2048 and depths
    1, 1, 9, 1 on 768-pixel images, and a BART-large encoder-decoder (1024 wide, 12 + 12 layers,
    the real 51,289-token vocabulary size). Random weights: for timing, not answers."""
    from transformers import Florence2Config

    text_config = _bart_config(
        tokenizer, 51289, d_model=1024, max_position_embeddings=1024, encoder_layers=12, decoder_layers=12,
        encoder_attention_heads=16, decoder_attention_heads=16, encoder_ffn_dim=4096, decoder_ffn_dim=4096)
    vision_config = dict(
        depths=[1, 1, 9, 1], embed_dim=[256, 512, 1024, 2048], num_heads=[8, 16, 32, 64],
        num_groups=[8, 16, 32, 64], window_size=12, projection_dim=1024, drop_path_rate=0.0)
    return Florence2Config(text_config=text_config, vision_config=vision_config, image_token_id=tokenizer.image_token_id)


# ---------------------------------------------------------------- Gemma


def _gemma_chat_template(turn_open: str, turn_close: str, image_placeholder: str) -> str:
    """The shape of Gemma's template: bos, user/model turns, the image placeholder before the text."""
    return (
        "{{ bos_token }}{%- for message in messages -%}"
        "{{ '" + turn_open + "' + ('model' if message['role'] == 'assistant' else message['role']) + '\n' }}"
        "{%- if message['content'] is string -%}{{ message['content'] | trim }}"
        "{%- else -%}{%- for item in message['content'] -%}"
        "{%- if item['type'] == 'image' -%}{{ '" + image_placeholder + "' }}"
        "{%- elif item['type'] == 'text' -%}{{ item['text'] | trim }}{%- endif -%}"
        "{%- endfor -%}{%- endif -%}{{ '" + turn_close + "\n' }}{%- endfor -%}"
        "{%- if add_generation_prompt -%}{{ '" + turn_open + "model\n' }}{%- endif -%}"
    )


def _gemma_tokenizer(special_tokens: dict[str, str], chat_template: str | None, more_tokens: tuple[str, ...] = ()):
    """Character-level BPE with byte fallback: the class and pre-tokenizer of real Gemma tokenizers."""
    from transformers import GemmaTokenizer

    vocab = {"<pad>": 0, "<eos>": 1, "<bos>": 2, "<unk>": 3, "<mask>": 4}
    for token in [*special_tokens.values(), *more_tokens]:
        vocab.setdefault(token, len(vocab))
    for byte in range(256):
        vocab[f"<0x{byte:02X}>"] = len(vocab)
    for char in ["\u2581"] + [chr(c) for c in range(33, 127)]:
        vocab.setdefault(char, len(vocab))
    return GemmaTokenizer(vocab=vocab, merges=[], add_bos_token=False, padding_side="left",
                          extra_special_tokens=special_tokens, chat_template=chat_template)


# the real Gemma 4 token strings (transformers' convert_gemma4_weights.py)
GEMMA4_SPECIAL = {
    "image_token": "<|image|>", "boi_token": "<|image>", "eoi_token": "<image|>",
    "audio_token": "<|audio|>", "boa_token": "<|audio>", "eoa_token": "<audio|>",
    "sot_token": "<|turn>", "eot_token": "<turn|>", "soc_token": "<|channel>", "eoc_token": "<channel|>",
    "think_token": "<|think|>", "escape_token": '<|"|>', "str_token": "<|tool_response>",
    "etr_token": "<tool_response|>", "stc_token": "<|tool_call>", "etc_token": "<tool_call|>",
    "std_token": "<|tool>", "etd_token": "<tool|>",
}
GEMMA4_PATCH, GEMMA4_POOL, GEMMA4_SOFT_TOKENS = 4, 3, 70  # 70 is Gemma 4's smallest image token budget


def build_gemma4(out: Path, moe: bool) -> Path:
    """A `gemma4` checkpoint folder saved with the image-text-only processor.

    Dense: per-layer embeddings, like E2B/E4B. MoE: a mixture-of-experts block beside the shared
    MLP, K == V global attention and bidirectional attention over vision tokens, like 26B-A4B.
    """
    from transformers import Gemma4Config, Gemma4ForConditionalGeneration, Gemma4ImageProcessorPil

    from generator.runner.gemma4_processor import Gemma4ImageTextProcessor

    torch.manual_seed(0)
    template = _gemma_chat_template("<|turn>", "<turn|>", "<|image|>")
    tokenizer = _gemma_tokenizer(GEMMA4_SPECIAL, template, more_tokens=("<|video|>",))
    image_processor = Gemma4ImageProcessorPil(patch_size=GEMMA4_PATCH, max_soft_tokens=GEMMA4_SOFT_TOKENS,
                                              pooling_kernel_size=GEMMA4_POOL, do_normalize=False)
    vocab_size = ((len(tokenizer) + 63) // 64) * 64
    text_config = dict(
        vocab_size=vocab_size, hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=2,
        num_key_value_heads=1, head_dim=16, global_head_dim=16, layer_types=["sliding_attention", "full_attention"],
        sliding_window=64, max_position_embeddings=4096, final_logit_softcapping=30.0, pad_token_id=0,
        eos_token_id=1, bos_token_id=2, vocab_size_per_layer_input=vocab_size)
    if moe:
        text_config.update(hidden_size_per_layer_input=0, enable_moe_block=True, num_experts=4, top_k_experts=2,
                           moe_intermediate_size=16, attention_k_eq_v=True, num_global_key_value_heads=1,
                           use_bidirectional_attention="vision")
    else:
        text_config.update(hidden_size_per_layer_input=8)
    vision_config = dict(hidden_size=32, intermediate_size=64, num_hidden_layers=1, num_attention_heads=2,
                         num_key_value_heads=2, head_dim=16, global_head_dim=16, patch_size=GEMMA4_PATCH,
                         pooling_kernel_size=GEMMA4_POOL, position_embedding_size=256,
                         default_output_length=GEMMA4_SOFT_TOKENS)
    token_id = tokenizer.convert_tokens_to_ids
    config = Gemma4Config(
        text_config=text_config, vision_config=vision_config, audio_config=None,
        image_token_id=tokenizer.image_token_id, boi_token_id=token_id("<|image>"), eoi_token_id=token_id("<image|>"),
        video_token_id=token_id("<|video|>"), audio_token_id=token_id("<|audio|>"), boa_token_id=token_id("<|audio>"),
        eoa_token_index=token_id("<audio|>"))
    Gemma4ForConditionalGeneration(config).eval().save_pretrained(out)
    Gemma4ImageTextProcessor(image_processor, tokenizer, chat_template=template,
                             image_seq_length=GEMMA4_SOFT_TOKENS).save_pretrained(out)
    return out


def build_gemma3(out: Path) -> Path:
    """A `gemma3` checkpoint folder whose processor plain `AutoProcessor` builds (no torchvision needed)."""
    from transformers import Gemma3Config, Gemma3ForConditionalGeneration, Gemma3ImageProcessorPil, Gemma3Processor

    torch.manual_seed(0)
    special = {"image_token": "<image_soft_token>", "boi_token": "<start_of_image>", "eoi_token": "<end_of_image>"}
    template = _gemma_chat_template("<start_of_turn>", "<end_of_turn>", "<start_of_image>")
    tokenizer = _gemma_tokenizer(special, template, more_tokens=("<start_of_turn>", "<end_of_turn>"))
    image_size, patch, soft_tokens = 32, 4, 16  # 8x8 patches average-pooled to 4x4
    config = Gemma3Config(
        text_config=dict(vocab_size=((len(tokenizer) + 63) // 64) * 64, hidden_size=32, intermediate_size=64,
                         num_hidden_layers=2, num_attention_heads=2, num_key_value_heads=1, head_dim=16,
                         sliding_window=64, max_position_embeddings=4096, pad_token_id=0, eos_token_id=1,
                         bos_token_id=2),
        vision_config=dict(hidden_size=32, intermediate_size=64, num_hidden_layers=1, num_attention_heads=2,
                           image_size=image_size, patch_size=patch),
        mm_tokens_per_image=soft_tokens, image_token_id=tokenizer.image_token_id, boi_token_id=tokenizer.boi_token_id,
        eoi_token_id=tokenizer.eoi_token_id)
    Gemma3ForConditionalGeneration(config).eval().save_pretrained(out)
    Gemma3Processor(Gemma3ImageProcessorPil(size={"height": image_size, "width": image_size}, do_pan_and_scan=False),
                    tokenizer, chat_template=template, image_seq_length=soft_tokens).save_pretrained(out)
    return out


def build_paligemma(out: Path) -> Path:
    """A `paligemma` checkpoint folder: no chat template (prompted with prefixes), <locNNNN> tokens
    as plain vocabulary, as in the released tokenizer, so they survive skip_special_tokens."""
    from transformers import (
        PaliGemmaConfig,
        PaliGemmaForConditionalGeneration,
        PaliGemmaProcessor,
        SiglipImageProcessorPil,
    )

    torch.manual_seed(0)
    tokenizer = _gemma_tokenizer({"image_token": "<image>"}, chat_template=None)
    tokenizer.add_tokens([f"<loc{i:04d}>" for i in range(1024)])
    image_size, patch = 32, 8
    image_processor = SiglipImageProcessorPil(size={"height": image_size, "width": image_size})
    image_processor.image_seq_length = (image_size // patch) ** 2  # PaliGemmaProcessor reads this
    config = PaliGemmaConfig(
        text_config=dict(model_type="gemma", vocab_size=((len(tokenizer) + 63) // 64) * 64, hidden_size=32,
                         intermediate_size=64, num_hidden_layers=1, num_attention_heads=2, num_key_value_heads=1,
                         head_dim=16, pad_token_id=0, eos_token_id=1, bos_token_id=2),
        vision_config=dict(model_type="siglip_vision_model", hidden_size=32, intermediate_size=64,
                           num_hidden_layers=1, num_attention_heads=2, image_size=image_size, patch_size=patch,
                           projection_dim=32),
        image_token_id=tokenizer.image_token_id, projection_dim=32)
    PaliGemmaForConditionalGeneration(config).eval().save_pretrained(out)
    PaliGemmaProcessor(image_processor=image_processor, tokenizer=tokenizer).save_pretrained(out)
    return out
