"""The `captioning` suite: real photos and a few generated scenes, each with reference captions
written by looking at the image, scored by the transparent `caption-similarity` grader."""

from __future__ import annotations

from . import photos
from .common import SuiteWriter, caption_similarity
from .counting import apple_crate, shelf_scene
from .documents import on_table, receipt_page
from .spatial import town_map
from .understanding import clock

PROMPT = "Write a one-sentence caption for this image."
CATEGORIES = [("photos", "Real photos"), ("generated", "Generated scenes")]

PHOTO_CAPTIONS = [
    (photos.ASTRONAUT, "astronaut", [
        "A smiling woman astronaut in an orange spacesuit poses in front of an American flag, with a helmet "
        "beside her and a space shuttle model behind her.",
        "Official portrait of an astronaut in an orange flight suit next to a black helmet and a model of the "
        "space shuttle.",
        "A short-haired woman in an orange space suit smiling at the camera.",
    ]),
    (photos.COFFEE, "coffee", [
        "A cup of espresso on a red saucer with a silver spoon, on a wooden table.",
        "A small red and white coffee cup full of coffee sitting on a matching saucer.",
        "An espresso cup and a teaspoon seen from above on a rustic wooden table.",
    ]),
    (photos.CHELSEA, "chelsea", [
        "Close-up of a tabby cat's face with green eyes and a pink nose.",
        "A brown striped cat looking to the side, photographed up close.",
        "A tabby cat with green eyes and long white whiskers.",
    ]),
    (photos.ROCKET, "rocket", [
        "A rocket standing on the launch pad at dusk, surrounded by lattice towers and bright lights.",
        "A white rocket ready for launch against a deep blue evening sky.",
        "A rocket on a launch pad at twilight between four tall towers.",
    ]),
    (photos.COINS, "coins", [
        "A black and white photo of ancient coins arranged in rows on a dark background.",
        "Two dozen old coins showing heads and figures, laid out in four rows.",
        "A collection of ancient Greek coins displayed in a grid.",
    ]),
    (photos.GRACE_HOPPER, "grace-hopper", [
        "A portrait of an elderly woman in a navy uniform, glasses and an officer's cap in front of an "
        "American flag.",
        "An older woman in a dark military uniform with medal ribbons and a name tag.",
        "Official portrait of Grace Hopper in her navy uniform, wearing glasses and a peaked cap.",
    ]),
    (photos.TEXT, "handwriting", [
        "Handwritten mathematical formulas on lined paper, photographed at an angle.",
        "A sheet of paper with handwritten math equations, in black and white.",
        "Slanted handwriting of an equation on a sheet of paper.",
    ]),
]

GENERATED_CAPTIONS = [
    ("shelf-bottles", lambda: shelf_scene()[0], [
        "Three wooden shelves holding colourful bottles and drink cans.",
        "Rows of red, green, blue and orange bottles with labels on shelves, with some cans between them.",
        "An illustration of bottles and cans lined up on shelves.",
    ]),
    ("apple-crate", lambda: apple_crate()[0], [
        "A wooden crate of red and green apples with a few empty spaces.",
        "An illustration of apples arranged in a grid inside a box.",
        "Red and green apples in a wooden crate.",
    ]),
    ("clock-0435", lambda: clock(4, 35), [
        "An analog clock showing 4:35.",
        "A round wall clock with a black frame, showing twenty-five to five.",
        "A simple clock face with numbers, its hands pointing at 4 and 7.",
    ]),
    ("town-map", town_map, [
        "A simple map of a town with a park in the middle, a library, a school, a bakery, a post office and a "
        "station.",
        "A schematic street map with labelled buildings and a compass pointing north.",
        "A map with buildings and streets.",
    ]),
    ("receipt-grocery", lambda: on_table(receipt_page(), 2.0)[0], [
        "A grocery receipt from Greenleaf Market lying on a dark table.",
        "A printed till receipt listing groceries and a total of 35.33.",
        "A receipt from a grocery store on a table.",
    ]),
]

DESCRIPTION = """
Captions for real photos and a few generated scenes. Each image has two or three reference
captions, written by looking at the image. The `caption-similarity` grader scores a caption by
its best ROUGE-L F1 against any reference (the longest common subsequence of words, as precision
and recall): a transparent, reproducible measure, never a number invented by a model. It passes
at or above `min_score` (0.5 here). Word overlap misses synonyms, so the gallery shows every
model's caption beside the references.

Photos: scikit-image (astronaut, coffee, chelsea, rocket, coins, text) and matplotlib
(grace_hopper) sample data, public domain or CC0-1.0 as listed per image. Generated scenes:
drawn by `scripts/make_suites` in this repository, CC0-1.0.

A few unscored gallery prompts show detailed captions and classification.
"""


def build() -> SuiteWriter:
    s = SuiteWriter("captioning", "Captioning", "1.0", DESCRIPTION, CATEGORIES)
    for photo, slug, captions in PHOTO_CAPTIONS:
        s.ask(f"caption-{slug}", s.photo(photo), "photos", PROMPT, caption_similarity(captions), task="captioning")
    for name, draw, captions in GENERATED_CAPTIONS:
        s.ask(f"caption-{name}", s.generated(name, draw()), "generated", PROMPT, caption_similarity(captions),
              task="captioning")
    detailed = "Describe this image in detail."
    for photo in (photos.ASTRONAUT, photos.COFFEE, photos.ROCKET):
        s.demo(f"detailed-{photo.file.split('.')[0]}", s.photo(photo), "photos", "detailed-captioning", detailed)
    s.demo("classify-chelsea", s.photo(photos.CHELSEA), "photos", "classification", "cat, dog, fox, rabbit")
    s.demo("classify-coffee", s.photo(photos.COFFEE), "photos", "classification", "coffee, tea, soup, orange juice")
    return s
