"""The graders by name, filled in by `generator.grading` as its modules are imported.

The schemas check a prompt's grader (known name, options it can read) against this registry
instead of importing the graders, which import the schemas: the import graph stays one-way.
The catalog package imports `generator.grading` once (catalog/__init__.py), so the registry is
full whenever a schema is used.
"""

from __future__ import annotations

from typing import Any, Callable

GRADERS: dict[str, Callable[..., Any]] = {}
