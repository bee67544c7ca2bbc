"""Real photos that ship inside installed packages, with their licences and hand-checked boxes.

The files are copied byte for byte from scikit-image and matplotlib, so their provenance is the
package itself. Every box below was checked by drawing it on a copy of the photo and looking at
it (see docs/adding-a-suite.md, "Real photos"). The coin boxes were found with a watershed
segmentation of skimage.data.coins() (Sobel edges, markers at <30 and >150, holes filled,
regions over 200 px) and then checked the same way; they are written out here so regenerating
needs neither scipy nor the segmentation to give identical results.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Photo:
    file: str
    package: str  # "skimage" or "matplotlib"
    package_file: str
    source: str
    license: str

    def path(self) -> Path:
        if self.package == "skimage":
            import skimage.data

            return Path(skimage.data.__file__).parent / self.package_file
        import matplotlib

        return Path(matplotlib.get_data_path()) / "sample_data" / self.package_file

    def read_bytes(self) -> bytes:
        return self.path().read_bytes()


ASTRONAUT = Photo(
    "astronaut.png", "skimage", "astronaut.png",
    "scikit-image sample data, skimage.data.astronaut(): NASA portrait of astronaut Eileen Collins, "
    "https://flic.kr/p/r9qvLn",
    "Public domain (NASA photograph; no known copyright restrictions)")
COFFEE = Photo(
    "coffee.png", "skimage", "coffee.png",
    "scikit-image sample data, skimage.data.coffee(): photograph by Rachel Michetti, courtesy of Pikolo Espresso Bar",
    "CC0-1.0")
CHELSEA = Photo(
    "chelsea.png", "skimage", "chelsea.png",
    "scikit-image sample data, skimage.data.chelsea(): Chelsea the cat, photograph by Stefan van der Walt",
    "CC0-1.0")
ROCKET = Photo(
    "rocket.jpg", "skimage", "rocket.jpg",
    "scikit-image sample data, skimage.data.rocket(): SpaceX launch photo of DSCOVR on Falcon 9, "
    "https://www.flickr.com/photos/spacexphotos/16511594820/",
    "Public domain (released into the public domain by SpaceX)")
COINS = Photo(
    "coins.png", "skimage", "coins.png",
    "scikit-image sample data, skimage.data.coins(): Greek coins from Pompeii, Brooklyn Museum Collection, "
    "https://www.brooklynmuseum.org/opencollection/archives/image/51611",
    "Public domain (no known copyright restrictions)")
TEXT = Photo(
    "text.png", "skimage", "text.png",
    "scikit-image sample data, skimage.data.text(): handwritten formulas, "
    "https://en.wikipedia.org/wiki/File:Corner.png",
    "Public domain (no known copyright restrictions)")
GRACE_HOPPER = Photo(
    "grace_hopper.jpg", "matplotlib", "grace_hopper.jpg",
    "matplotlib sample data, grace_hopper.jpg: official U.S. Navy portrait of Commodore Grace M. Hopper, "
    "https://commons.wikimedia.org/wiki/File:Grace_Hopper.jpg",
    "Public domain (work of the U.S. federal government)")

# Hand-checked boxes, [x1, y1, x2, y2] in the photo's own pixels.
ASTRONAUT_FACE = (174, 64, 276, 186)  # hairline to chin, cheek to cheek
ASTRONAUT_PERSON = (18, 13, 364, 512)  # top of the hair to the bottom edge, left arm to right shoulder
GRACE_HOPPER_FACE = (158, 135, 370, 335)  # below the cap brim to the chin
GRACE_HOPPER_PERSON = (12, 24, 512, 600)  # top of the cap to the bottom edge, both shoulders
COFFEE_CUP = (173, 18, 410, 306)  # rim to the bottom of the handle
COFFEE_SPOON = (324, 66, 424, 327)  # handle tip to the bowl
CHELSEA_CAT = (0, 0, 400, 300)  # the cat fills the frame up to its right ear
ROCKET_ROCKET = (308, 127, 337, 406)  # nose cone to the launch mount

# The 24 coins of skimage.data.coins(), row by row from the top left.
COIN_BOXES = (
    (22, 35, 67, 74), (81, 39, 120, 74), (132, 28, 179, 74), (192, 30, 240, 73), (255, 34, 297, 72),
    (305, 16, 365, 72),
    (25, 104, 67, 145), (84, 108, 122, 145), (134, 110, 173, 145), (186, 105, 226, 144), (245, 95, 296, 144),
    (317, 106, 356, 145),
    (26, 179, 63, 217), (80, 175, 124, 217), (135, 179, 174, 217), (189, 170, 237, 217), (251, 172, 297, 217),
    (315, 156, 380, 218),
    (18, 233, 75, 288), (93, 245, 136, 287), (144, 236, 201, 288), (220, 240, 269, 288), (276, 239, 326, 289),
    (336, 248, 382, 289),
)
