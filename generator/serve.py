"""`leaderboard serve`: preview the built site locally and run uploaded images through the models
this machine can run (the playground at /playground/).

This is the one place that holds both halves of the project (DESIGN.md): it builds the site
from the catalog, then serves `public/` with the live API of `generator.live.api` on top.
Models load on first use and stay loaded; nothing of an upload is written to disk. It listens
on 127.0.0.1 by default: anyone who can reach the port can make this machine run models.
"""

from __future__ import annotations

from pathlib import Path

import click

from .live.uploads import MB, Limits


@click.command()
@click.option("--root", type=click.Path(exists=True, file_okay=False, path_type=Path), default=".", show_default=True,
              help="project folder with model_cards/, evals/ and site.yaml")
@click.option("--public", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="the built site to serve  [default: ROOT/public]")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="address to listen on (0.0.0.0 exposes the models to your network)")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True, help="0 picks a free port")
@click.option("--build/--no-build", default=True, show_default=True, help="build the site before serving it")
@click.option("--max-upload-mb", type=click.FloatRange(min=0, min_open=True), default=Limits.max_bytes / MB,
              show_default=True, help="largest accepted upload")
@click.option("--max-megapixels", type=click.FloatRange(min=0, min_open=True), default=Limits.max_pixels / 1e6,
              show_default=True, help="largest accepted image (width x height), against decompression bombs")
@click.option("--allow-origin", "allow_origins", multiple=True, metavar="ORIGIN",
              help="a site origin allowed to call the API across origins (a static site whose live_api points "
                   "here, e.g. https://you.github.io); repeatable")
@click.option("--quiet", is_flag=True, help="do not log each request")
def serve(root: Path, public: Path | None, host: str, port: int, build: bool, max_upload_mb: float,
          max_megapixels: float, allow_origins: tuple[str, ...], quiet: bool):
    """Serve the site with the upload playground (live model runs) at http://HOST:PORT/."""
    from .cli import load_catalog_or_exit
    from .live.api import LiveServer
    from .live.models import ModelPool

    public = public if public is not None else root / "public"
    catalog = load_catalog_or_exit(root)
    if build:
        _build(root, public)
    if not (public / "index.html").is_file():
        raise SystemExit(f"{public} holds no built site (no index.html): run `leaderboard build` or drop --no-build")
    limits = Limits(max_bytes=int(max_upload_mb * MB), max_pixels=int(max_megapixels * 1e6))
    try:
        server = LiveServer((host, port), public, ModelPool(catalog.cards), limits, frozenset(allow_origins), quiet)
    except OSError as e:
        raise SystemExit(f"cannot listen on {host}:{port}: {e.strerror or e} (try another --port, or 0 for a free one)")
    bound_host, bound_port = server.server_address[:2]
    shown = f"[{bound_host}]" if ":" in bound_host else bound_host
    click.echo(f"serving {public} at http://{shown}:{bound_port}/ (playground: /playground/); Ctrl+C stops", err=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


def _build(root: Path, public: Path) -> None:
    from .site.build import build

    click.echo(f"building the site into {public}", err=True)
    try:
        report = build(root=root, out=public)
    except ValueError as e:  # --public pointing at the project itself (build replaces that folder)
        if str(e).startswith("refusing to build"):
            raise click.UsageError(f"{e}; pass another --public") from None
        raise
    click.echo(report.summary(), err=True)
