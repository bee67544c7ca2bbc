"""Every model the two peer benchmarks name maps to exactly one card, through the card's id, name or
aliases (the only way importers map models): the tables below are the names as the sources spell them,
read from the pinned repositories, with the card each must reach.

Vision AI Checkup (roboflow/vision-ai-checkup, data/results/result_<slug>.json): the ``model_name`` of
each of the 66 result files and the file's slug. vlm-exam (roboflow/vlm-exam): every model's ``name``
and ``key`` in web/benchmark_summary.json (the versions of 2026-07-23 and 2026-10-08) and
results-text/model-labels.json. Some names differ between versions ("Qwen3.5 27B" / "Qwen3.5-27B"),
so both spellings are listed.
"""

from __future__ import annotations

import pytest

from test_cards import cards  # noqa: F401  (the shipped cards, loaded once and checked for problems)

VISION_AI_CHECKUP = [  # (model_name, file slug, card id)
    ('Arcee.ai Spotlight', 'arcee-ai-spotlight', 'arcee-spotlight'),
    ('ChatGPT-4o (High Reasoning)', 'chatgpt-4o--high-reasoning-', 'chatgpt-4o-high-reasoning'),
    ('ChatGPT-4o (Medium Reasoning)', 'chatgpt-4o--medium-reasoning-', 'chatgpt-4o-medium-reasoning'),
    ('Claude 3.5 Haiku', 'claude-3-5-haiku', 'claude-3-5-haiku'),
    ('Claude 3.7 Sonnet', 'claude-3-7-sonnet', 'claude-3-7-sonnet'),
    ('Claude 4.1 Opus', 'claude-4-1-opus', 'claude-opus-4-1'),
    ('Claude 4.6 Opus', 'claude-4-6-opus', 'claude-opus-4-6'),
    ('Claude 4.7 Opus', 'claude-4-7-opus', 'claude-opus-4-7'),
    ('Claude 4 Opus', 'claude-4-opus', 'claude-opus-4'),
    ('Claude 4 Sonnet', 'claude-4-sonnet', 'claude-sonnet-4'),
    ('Cohere Aya Vision 32B', 'cohere-aya-vision-32b', 'aya-vision-32b'),
    ('Cohere Aya Vision 8B', 'cohere-aya-vision-8b', 'aya-vision-8b'),
    ('Cosmos Reason2 2B', 'cosmos-reason2-2b', 'cosmos-reason2-2b'),
    ('Cosmos Reason2 8B', 'cosmos-reason2-8b', 'cosmos-reason2-8b'),
    ('Gemini 2.0 Flash Lite', 'gemini-2-0-flash-lite', 'gemini-2-0-flash-lite'),
    ('Gemini 2.0 Flash', 'gemini-2-0-flash', 'gemini-2-0-flash'),
    ('Gemini 2.5 Flash Lite', 'gemini-2-5-flash-lite', 'gemini-2-5-flash-lite'),
    ('Gemini 2.5 Flash', 'gemini-2-5-flash', 'gemini-2-5-flash'),
    ('Gemini 2.5 Pro', 'gemini-2-5-pro', 'gemini-2-5-pro'),
    ('Gemini 3.1 Pro (Tools)', 'gemini-3-1-pro--tools-', 'gemini-3-1-pro-tools'),
    ('Gemini 3.1 Pro', 'gemini-3-1-pro', 'gemini-3-1-pro'),
    ('Gemini 3 Flash (Tools)', 'gemini-3-flash--tools-', 'gemini-3-flash-tools'),
    ('Gemini 3 Flash', 'gemini-3-flash', 'gemini-3-flash'),
    ('Gemini 3 Pro Preview', 'gemini-3-pro-preview', 'gemini-3-pro-preview'),
    ('Gemma 3 27b', 'gemma-3-27b', 'gemma-3-27b'),
    ('Gemma 3 4B', 'gemma-3-4b', 'gemma-3-4b'),
    ('Gemma 4 26B (A4B)', 'gemma-4-26b--a4b-', 'gemma-4-26b-a4b'),
    ('Gemma 4 31B', 'gemma-4-31b', 'gemma-4-31b'),
    ('GLM 4.6v', 'glm-4-6v', 'glm-4-6v'),
    ('GPT-4.1 Mini', 'gpt-4-1-mini', 'gpt-4-1-mini'),
    ('GPT-4.1 Nano', 'gpt-4-1-nano', 'gpt-4-1-nano'),
    ('GPT-4.1', 'gpt-4-1', 'gpt-4-1'),
    ('GPT-5 (high reasoning)', 'gpt-5--high-reasoning-', 'gpt-5-high-reasoning'),
    ('GPT-5.1', 'gpt-5-1', 'gpt-5-1'),
    ('GPT-5.2', 'gpt-5-2', 'gpt-5-2'),
    ('GPT-5.4', 'gpt-5-4', 'gpt-5-4'),
    ('GPT-5 Mini', 'gpt-5-mini', 'gpt-5-mini'),
    ('GPT-5 Nano', 'gpt-5-nano', 'gpt-5-nano'),
    ('GPT-5', 'gpt-5', 'gpt-5'),
    ('Grok 4.1 Fast', 'grok-4-1-fast', 'grok-4-1-fast'),
    ('Grok 4', 'grok-4', 'grok-4'),
    ('Kimi k2.5', 'kimi-k2-5', 'kimi-k2-5'),
    ('LFM 2.5 VL 1.6B', 'lfm-2-5-vl-1-6b', 'lfm-2-5-vl-1-6b'),
    ('Llama 4 Maverick 17B', 'llama-4-maverick-17b', 'llama-4-maverick'),
    ('Llama 4 Scout 17B', 'llama-4-scout-17b', 'llama-4-scout'),
    ('Mistral Medium 3', 'mistral-medium-3', 'mistral-medium-3'),
    ('Mistral Small 3.1 24B', 'mistral-small-3-1-24b', 'mistral-small-3-1-24b'),
    ('Molmo2 8B', 'molmo2-8b', 'molmo2-8b'),
    ('OpenAI O1', 'openai-o1', 'openai-o1'),
    ('OpenAI O3 (High Reasoning)', 'openai-o3--high-reasoning-', 'openai-o3-high-reasoning'),
    ('OpenAI O3 (Medium Reasoning)', 'openai-o3--medium-reasoning-', 'openai-o3-medium-reasoning'),
    ('OpenAI O4 Mini (High Reasoning)', 'openai-o4-mini--high-reasoning-', 'openai-o4-mini-high-reasoning'),
    ('OpenAI O4 Mini (Medium Reasoning)', 'openai-o4-mini--medium-reasoning-', 'openai-o4-mini-medium-reasoning'),
    ('Phi 4 Multimodal', 'phi-4-multimodal', 'phi-4-multimodal'),
    ('Qwen 2.5 VL 7B', 'qwen-2-5-vl-7b', 'qwen2-5-vl-7b'),
    ('Qwen 3.5 0.8B', 'qwen-3-5-0-8b', 'qwen3-5-0-8b'),
    ('Qwen 3.5 122B (A10B)', 'qwen-3-5-122b--a10b-', 'qwen3-5-122b-a10b'),
    ('Qwen 3.5 27B', 'qwen-3-5-27b', 'qwen3-5-27b'),
    ('Qwen 3.5 2B', 'qwen-3-5-2b', 'qwen3-5-2b'),
    ('Qwen 3.5 35B (A3B)', 'qwen-3-5-35b--a3b-', 'qwen3-5-35b-a3b'),
    ('Qwen 3.5 4B', 'qwen-3-5-4b', 'qwen3-5-4b'),
    ('Qwen 3.5 9B', 'qwen-3-5-9b', 'qwen3-5-9b'),
    ('Qwen 3.5 Plus', 'qwen-3-5-plus', 'qwen3-5-plus'),
    ('Qwen 3.6 Plus', 'qwen-3-6-plus', 'qwen3-6-plus'),
    ('Reka Edge', 'reka-edge', 'reka-edge'),
    ('SmolVLM2 2.2B', 'smolvlm2-2-2b', 'smolvlm2-2-2b'),
]

VLM_EXAM = [  # (name, key, card id)
    ('Claude Fable 5', 'claude-fable-5', 'claude-fable-5'),
    ('Claude Fable 5.1', 'claude-fable-5-1', 'claude-fable-5-1'),
    ('Claude Sonnet 5', 'claude-sonnet-5', 'claude-sonnet-5'),
    ('Claude Opus 4.8', 'claude-opus-4-8', 'claude-opus-4-8'),
    ('Claude Opus 5', 'claude-opus-5', 'claude-opus-5'),
    ('Claude Opus 5.5', 'claude-opus-5-5', 'claude-opus-5-5'),
    ('Claude Sonnet 5.5', 'claude-sonnet-5-5', 'claude-sonnet-5-5'),
    ('Claude Haiku 5.5', 'claude-haiku-5-5', 'claude-haiku-5-5'),
    ('Gemini 3.5 Flash', 'gemini-3.5-flash', 'gemini-3-5-flash'),
    ('Gemini 3.6 Flash', 'gemini-3.6-flash', 'gemini-3-6-flash'),
    ('Gemini 3.7 Flash', 'gemini-3.7-flash', 'gemini-3-7-flash'),
    ('Gemini 3.8 Flash', 'gemini-3.8-flash', 'gemini-3-8-flash'),
    ('Gemini 3.5 Flash-Lite', 'gemini-3.5-flash-lite', 'gemini-3-5-flash-lite'),
    ('Gemini 3 Flash', 'gemini-3-flash-preview', 'gemini-3-flash'),
    ('Gemini 2.5 Pro', 'gemini-2.5-pro', 'gemini-2-5-pro'),
    ('Gemini 3.1 Pro', 'gemini-3.1-pro-preview', 'gemini-3-1-pro'),
    ('GPT-5.5', 'gpt-5.5', 'gpt-5-5'),
    ('GPT-5.4 mini', 'gpt-5.4-mini', 'gpt-5-4-mini'),
    ('GPT-5.6 Sol', 'gpt-5.6-sol', 'gpt-5-6-sol'),
    ('GPT-5.6 Terra', 'gpt-5.6-terra', 'gpt-5-6-terra'),
    ('GPT-5.6 Luna', 'gpt-5.6-luna', 'gpt-5-6-luna'),
    ('GPT-6 Astra', 'gpt-6-astra', 'gpt-6-astra'),
    ('GPT-6 Sol', 'gpt-6-sol', 'gpt-6-sol'),
    ('GPT-6 Luna', 'gpt-6-luna', 'gpt-6-luna'),
    ('GPT-6.1 Sol', 'gpt-6.1-sol', 'gpt-6-1-sol'),
    ('Qwen3.8 Max', 'qwen-3.8-max', 'qwen3-8-max'),
    ('Qwen3.7 Plus', 'qwen-3.7-plus', 'qwen3-7-plus'),
    ('Qwen 3.7 Plus', 'qwen-3.7-plus', 'qwen3-7-plus'),
    ('Qwen3.7 Flash', 'qwen-3.7-flash', 'qwen3-7-flash'),
    ('Qwen3.8 Flash', 'qwen-3.8-flash', 'qwen3-8-flash'),
    ('Qwen3 VL 235B A22B Instruct', 'qwen-3-vl-235b', 'qwen3-vl-235b-a22b'),
    ('Qwen3-VL 235B', 'qwen-3-vl-235b', 'qwen3-vl-235b-a22b'),
    ('Qwen3.5-27B', 'qwen-3.5-27b', 'qwen3-5-27b'),
    ('Qwen3.5 27B', 'qwen-3.5-27b', 'qwen3-5-27b'),
    ('Qwen3.8 27B', 'qwen-3.8-27b', 'qwen3-8-27b'),
    ('Qwen3.6 27B', 'qwen-3.6-27b', 'qwen3-6-27b'),
    ('GLM 5V Turbo', 'glm-5v-turbo', 'glm-5v-turbo'),
    ('GLM 5.3 Flash', 'glm-5.3-flash', 'glm-5-3-flash'),
    ('Kimi K2.6', 'kimi-k2.6', 'kimi-k2-6'),
    ('Kimi K3', 'kimi-k3', 'kimi-k3'),
    ('Muse Spark 1.1', 'muse-spark-1.1', 'muse-spark-1-1'),
    ('Muse Spark 1.2', 'muse-spark-1.2', 'muse-spark-1-2'),
    ('Muse Spark 1.3', 'muse-spark-1.3', 'muse-spark-1-3'),
    ('Muse Glimmer 30B', 'muse-glimmer-30b', 'muse-glimmer-30b'),
    ('Grok 4.5', 'grok-4.5', 'grok-4-5'),
    ('Grok 4.6', 'grok-4.6', 'grok-4-6'),
    ('Grok 4.7', 'grok-4.7', 'grok-4-7'),
    ('DeepSeek V4 Flash', 'deepseek-v4-flash-vision-exp', 'deepseek-v4-flash'),
    ('MiMo V2.6 Pro', 'mimo-v2.6-pro', 'mimo-v2-6-pro'),
    ('MiMo V2.6 Flash', 'mimo-v2.6-flash', 'mimo-v2-6-flash'),
    ('Mistral Large 4', 'mistral-large-4', 'mistral-large-4'),
]


@pytest.fixture(scope="module")
def names(cards) -> tuple[dict[str, str], dict[str, str]]:  # noqa: F811
    exact = {n: c.id for c in cards.values() for n in (c.id, c.name, *c.aliases)}
    folded = {n.casefold(): c.id for c in cards.values() for n in (c.id, c.name, *c.aliases)}
    return exact, folded


def test_the_tables_cover_both_sources():
    assert len(VISION_AI_CHECKUP) == 66 == len({slug for _, slug, _ in VISION_AI_CHECKUP})
    assert len({key for _, key, _ in VLM_EXAM}) == 48


@pytest.mark.parametrize("name, slug, card_id", VISION_AI_CHECKUP + VLM_EXAM, ids=lambda v: str(v))
def test_source_name_maps_to_its_card(names, name, slug, card_id):
    exact, folded = names
    for spelled in (name, slug):
        # the exact spelling and the case-folded one (importers fold case) reach the expected card
        assert (exact.get(spelled), folded.get(spelled.casefold())) == (card_id, card_id), spelled


@pytest.mark.parametrize("card_id, organization, access, release, context, licence", [
    ("gpt-4-1", "OpenAI", "closed", "2025-04-14", 1047576, "Proprietary"),
    ("claude-opus-4-6", "Anthropic", "closed", "2026-02-05", 1000000, "Proprietary"),
    ("gemini-3-flash", "Google", "closed", "2025-12-17", 1048576, "Proprietary"),
    ("glm-4-6v", "Z.ai (Zhipu AI)", "open", "2025-12-08", 128000, "MIT"),
    ("mistral-small-3-1-24b", "Mistral AI", "open", "2025-03-17", 131072, "Apache-2.0"),
    ("muse-glimmer-30b", "Meta", "open", "2026-08-10", 131072, "Apache-2.0"),
    ("qwen3-5-plus", "Alibaba Cloud (Qwen)", "closed", "2026-02-16", 1000000, "Proprietary"),
])
def test_sourced_facts(cards, card_id, organization, access, release, context, licence):
    card = cards[card_id]
    assert (card.organization, card.access, card.release_date, card.context_window, card.license.id) == \
        (organization, access, release, context, licence)


def test_sizes_from_model_cards(cards):
    assert (cards["glm-4-6v"].parameters.total, cards["phi-4-multimodal"].parameters.total) == ("106B", "5.6B")
    assert (cards["llama-4-scout"].parameters.total, cards["llama-4-scout"].parameters.active) == (None, "17B")
    assert (cards["kimi-k2-5"].parameters.total, cards["kimi-k2-5"].parameters.active) == ("1000B", "32B")


@pytest.mark.parametrize("card_id", ["claude-opus-5-5", "gpt-6-1-sol", "gemini-3-6-flash", "qwen3-8-max",
                                     "reka-edge", "arcee-spotlight", "mistral-large-4", "grok-4-1-fast"])
def test_what_no_source_confirms_stays_empty(cards, card_id):
    card = cards[card_id]
    assert (card.release_date, card.context_window, card.parameters, card.pricing) == (None, None, None, None)


def test_unconfirmed_licences_show_as_unknown(cards):
    unknown = sorted(c.id for c in cards.values() if c.license.id == "—")
    assert unknown == ["arcee-spotlight", "deepseek-v4-flash", "kimi-k2-5", "kimi-k2-6", "kimi-k3",
                       "lfm-2-5-vl-1-6b", "mistral-large-4", "qwen3-6-27b", "qwen3-8-27b", "qwen3-vl-235b-a22b",
                       "reka-edge"]


def test_settings_of_one_model_are_separate_cards(cards):
    """Vision AI Checkup publishes a model at two settings as two entries (GPT-5 and GPT-5 at high
    reasoning): each is its own card of the same family, so their answers are never merged."""
    pairs = [("gpt-5", "gpt-5-high-reasoning"), ("gemini-3-flash", "gemini-3-flash-tools"),
             ("gemini-3-1-pro", "gemini-3-1-pro-tools"), ("openai-o3-high-reasoning", "openai-o3-medium-reasoning")]
    for plain, setting in pairs:
        assert cards[plain].family == cards[setting].family and cards[plain].name != cards[setting].name
