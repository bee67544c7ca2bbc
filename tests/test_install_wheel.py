"""A plain (not editable) install can build a site: templates, CSS and JS ship inside the wheel.

The project's files are copied to a temporary folder (building never writes into the checkout),
built into a wheel with pip, installed with ``pip install --no-deps --target`` (the dependencies
are this environment's), and ``build-site`` is run from that installed copy, in a process that
cannot see the checkout, on a small catalog.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO_ROOT
from site_fixtures import write_catalog

pytestmark = pytest.mark.install

SHIPPED = ("pyproject.toml", "README.md", "generator")


def pip(*args: str, cwd: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "pip", *args, "--no-input", "--disable-pip-version-check", "-q"],
                            cwd=cwd, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_site_builds_from_the_installed_wheel(tmp_path):
    source = tmp_path / "source"
    source.mkdir()
    for name in SHIPPED:
        path = REPO_ROOT / name
        if path.is_dir():
            shutil.copytree(path, source / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(path, source / name)
    pip("wheel", "--no-deps", "--no-build-isolation", "-w", str(tmp_path / "dist"), str(source), cwd=tmp_path)
    wheel = next((tmp_path / "dist").glob("vision_leaderboard-*.whl"))
    pip("install", "--no-deps", "--target", str(tmp_path / "installed"), str(wheel), cwd=tmp_path)
    installed = tmp_path / "installed" / "generator"
    assert (installed / "site" / "templates" / "base.html").is_file()
    assert (installed / "site" / "templates" / "static" / "site.css").is_file()

    root = write_catalog(tmp_path / "catalog")
    script = ("import sys, generator; from generator.cli import build_site; "
              "print(generator.__file__, file=sys.stderr); sys.argv = ['build-site', '--quiet', '--out', sys.argv[1]]; "
              "build_site()")
    env = {"PYTHONPATH": str(tmp_path / "installed"), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    result = subprocess.run([sys.executable, "-c", script, str(tmp_path / "public")], cwd=root, env=env,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    assert result.stderr.splitlines()[0] == str(installed / "__init__.py")  # the wheel's copy, not the checkout
    public = tmp_path / "public"
    assert "Alpha VL" in (public / "models/alpha-vl/index.html").read_text(encoding="utf-8")
    assert (public / "static/site.css").read_bytes() == (REPO_ROOT / "generator/site/templates/static/site.css").read_bytes()
    assert (public / "data/models.json").is_file() and (public / "sitemap.xml").is_file()
