"""The closed vocabularies of DESIGN.md, in one place so cards, suites, runner and site agree."""

TASKS = (
    "captioning",
    "detailed-captioning",
    "object-detection",
    "open-vocabulary-detection",
    "phrase-grounding",
    "region-proposal",
    "instance-segmentation",
    "ocr",
    "ocr-with-regions",
    "vqa",
    "classification",
)

TASK_NAMES = {
    "captioning": "Captioning",
    "detailed-captioning": "Detailed captioning",
    "object-detection": "Object detection",
    "open-vocabulary-detection": "Open-vocabulary detection",
    "phrase-grounding": "Phrase grounding",
    "region-proposal": "Region proposal",
    "instance-segmentation": "Instance segmentation",
    "ocr": "OCR",
    "ocr-with-regions": "OCR with regions",
    "vqa": "Visual question answering",
    "classification": "Classification",
}

FEATURES = ("foundation-vision", "multimodal", "zero-shot-detection")

FEATURE_NAMES = {
    "foundation-vision": "Foundation vision model",
    "multimodal": "Multimodal",
    "zero-shot-detection": "Zero-shot detection",
}

MODALITIES = ("text", "image", "video", "audio", "boxes", "masks")

ACCESS = ("open", "closed")
