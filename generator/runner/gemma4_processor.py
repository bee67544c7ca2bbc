"""Gemma 4's processor for images and text only, for machines without torchvision.

`Gemma4Processor` insists on a video processor, and transformers only ships a torchvision
implementation of it, so `AutoProcessor` cannot build Gemma 4's processor on a CPU-only torch
without torchvision (it raises "requires `torchvision`", or on a folder saved by this class
silently returns the bare tokenizer). Images never touch the video path, so this subclass keeps
every piece of `Gemma4Processor`'s image and chat-template logic and drops the video processor
and the audio feature extractor. A card selects it with
`options.processor_class: generator.runner.gemma4_processor:Gemma4ImageTextProcessor`; it loads
a real Gemma 4 checkpoint's processor files (the video and audio entries are ignored).
"""

from __future__ import annotations

from transformers import Gemma4Processor
from transformers.processing_utils import ProcessorMixin


class Gemma4ImageTextProcessor(Gemma4Processor):
    """`Gemma4Processor` with `image_processor` and `tokenizer` as its only sub-processors.

    `ProcessorMixin` derives the sub-processors to load from `__init__`'s parameter names, so
    this `__init__` must not name `video_processor` or `feature_extractor`; it therefore sets the
    token attributes `Gemma4Processor.__init__` sets and calls `ProcessorMixin.__init__` itself.
    """

    def __init__(
        self,
        image_processor,
        tokenizer,
        chat_template=None,
        image_seq_length: int = 280,
        audio_seq_length: int = 750,
        audio_ms_per_token: int = 40,
        **kwargs,
    ):
        self.image_seq_length = image_seq_length
        self.image_token_id = tokenizer.image_token_id
        self.boi_token = tokenizer.boi_token
        self.eoi_token = tokenizer.eoi_token
        self.image_token = tokenizer.image_token
        # Gemma4Processor registers the video token the same way (released tokenizers lack it as special)
        tokenizer.add_special_tokens({"additional_special_tokens": ["<|video|>"]})
        self.video_token = "<|video|>"
        self.video_token_id = tokenizer.convert_tokens_to_ids(self.video_token)
        # audio is never processed here, but Gemma4Processor.validate_inputs reads these attributes
        self.audio_seq_length = audio_seq_length
        self.audio_ms_per_token = audio_ms_per_token
        self.audio_token_id = getattr(tokenizer, "audio_token_id", None)
        self.audio_token = getattr(tokenizer, "audio_token", None)
        self.boa_token = getattr(tokenizer, "boa_token", None)
        self.eoa_token = getattr(tokenizer, "eoa_token", None)
        ProcessorMixin.__init__(
            self, image_processor=image_processor, tokenizer=tokenizer, chat_template=chat_template, **kwargs
        )
