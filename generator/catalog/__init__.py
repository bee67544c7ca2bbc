"""The catalog: cards, suites and run records read from YAML/JSONL into typed, validated objects."""

from .. import grading  # noqa: F401  (fills grader_registry, which the schemas check prompts against)
from .errors import CatalogError, Problem
from .loader import Catalog, LoadedSuite, latest_records, load_catalog
from .schemas import ModelCard, Prompt, RunRecord, SiteConfig, Suite

__all__ = ["Catalog", "CatalogError", "LoadedSuite", "ModelCard", "Problem", "Prompt", "RunRecord",
           "SiteConfig", "Suite", "latest_records", "load_catalog"]
