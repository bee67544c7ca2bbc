"""Command line: `python -m scripts.make_suites [--out DIR] [SUITE ...]` from the repository root."""

from __future__ import annotations

import argparse
from pathlib import Path

from . import BUILDERS, generate

REPO_ROOT = Path(__file__).resolve().parents[2]


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m scripts.make_suites", description=__doc__)
    parser.add_argument("suites", nargs="*", metavar="SUITE",
                        help=f"suites to write (default: all of {', '.join(BUILDERS)})")
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "evals" / "suites",
                        help="folder that receives one sub-folder per suite (default: evals/suites)")
    args = parser.parse_args()
    for folder in generate(args.out, args.suites or None):
        images = sum(1 for _ in (folder / "images").iterdir())
        print(f"wrote {folder} ({images} images)")


if __name__ == "__main__":
    main()
