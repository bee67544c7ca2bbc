"""`leaderboard serve`: preview the built site locally and run uploaded images through the models
this machine can run (the playground at /playground/).

This is the one place that holds both halves of the project (DESIGN.md): it builds the site
from the catalog, then serves `public/` with the live API of `generator.live.api` on top,
run by uvicorn. Models load on first use and stay loaded; nothing of an upload is written to
disk. It listens on 127.0.0.1 by default and answers only to the names it is bound to
(`generator.live.hosts`): anyone who can reach the port can make this machine run models.
What the server promises, and the test of each promise, is in docs/security.md.
"""

from __future__ import annotations

import socket
from pathlib import Path

import click

from .cli_common import load_catalog_or_exit, root_option
from .live.uploads import MB, Limits

CONNECTIONS = 64  # open connections and tasks uvicorn accepts before answering 503 itself
GRACE_S = 5  # on Ctrl+C, seconds a stream in progress may take to finish


@click.command()
@root_option
@click.option("--public", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="the built site to serve  [default: ROOT/public]")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="address to listen on (0.0.0.0 exposes the models to your network)")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True, help="0 picks a free port")
@click.option("--build/--no-build", default=True, show_default=True, help="build the site before serving it")
@click.option("--allow-host", "allow_hosts", multiple=True, metavar="NAME",
              help="another name this server answers to (a reverse proxy's, the machine's DNS name); requests "
                   "naming any other host are refused, against DNS rebinding; repeatable")
@click.option("--allow-origin", "allow_origins", multiple=True, metavar="ORIGIN",
              help="a site origin allowed to call the API across origins (a static site whose live_api points "
                   "here, e.g. https://you.github.io); repeatable")
@click.option("--max-upload-mb", type=click.FloatRange(min=0, min_open=True), default=Limits.max_bytes / MB,
              show_default=True, help="largest accepted upload")
@click.option("--max-megapixels", type=click.FloatRange(min=0, min_open=True), default=Limits.max_pixels / 1e6,
              show_default=True, help="largest accepted image (width x height), against decompression bombs")
@click.option("--max-memory-mb", type=click.FloatRange(min=0, min_open=True), default=Limits.max_memory / MB,
              show_default=True, help="memory one upload may take to decode (judged from its header)")
@click.option("--max-runs", type=click.IntRange(min=1), default=Limits.max_runs, show_default=True,
              help="runs in flight at once; more are answered 503 with Retry-After")
@click.option("--quiet", is_flag=True, help="do not log each request")
def serve(root: Path, public: Path | None, host: str, port: int, build: bool, allow_hosts: tuple[str, ...],
          allow_origins: tuple[str, ...], max_upload_mb: float, max_megapixels: float, max_memory_mb: float,
          max_runs: int, quiet: bool):
    """Serve the site with the upload playground (live model runs) at http://HOST:PORT/.

    Example:

    \b
        leaderboard serve --port 8000
        leaderboard serve --no-build --host 0.0.0.0 --allow-host gpu-box.lan --max-runs 4
    """
    try:
        import uvicorn  # noqa: F401  (checked here, used by make_server)

        from .live.api import create_app
    except ImportError as e:
        raise click.ClickException(f"`leaderboard serve` needs the runner extra ({e.name} is missing): "
                                   "pip install 'vision-leaderboard[runner]'") from None
    from .live.hosts import HostPolicy
    from .live.models import ModelPool

    public = public if public is not None else root / "public"
    catalog = load_catalog_or_exit(root)
    if build:
        _build(root, public)
    if not (public / "index.html").is_file():
        raise click.ClickException(f"{public} holds no built site (no index.html): run `leaderboard build` "
                                   "or drop --no-build")
    limits = Limits(max_bytes=int(max_upload_mb * MB), max_pixels=int(max_megapixels * 1e6),
                    max_memory=int(max_memory_mb * MB), max_runs=max_runs)
    try:
        sock = socket.create_server((host, port), family=socket.AF_INET6 if ":" in host else socket.AF_INET)
    except OSError as e:
        raise click.ClickException(f"cannot listen on {host}:{port}: {e.strerror or e} "
                                   "(try another --port, or 0 for a free one)") from None
    bound_port = sock.getsockname()[1]
    policy = HostPolicy.for_bind(host, bound_port, allow_hosts, allow_origins)
    server = make_server(create_app(public, ModelPool(catalog.cards), policy, limits), quiet)
    shown = f"[{host}]" if ":" in host else host
    click.echo(f"serving {public} at http://{shown}:{bound_port}/ (playground: /playground/); "
               f"answering to {policy.describe()}; Ctrl+C stops", err=True)
    server.run(sockets=[sock])


def make_server(app, quiet: bool):
    """The uvicorn server for the app: bounded connections, no proxy headers trusted (the client
    address is the socket's), no Server header, a short grace period on shutdown."""
    import uvicorn

    config = uvicorn.Config(app, log_level="warning" if quiet else "info", access_log=not quiet,
                            proxy_headers=False, server_header=False, lifespan="off",
                            limit_concurrency=CONNECTIONS, timeout_graceful_shutdown=GRACE_S)
    return uvicorn.Server(config)


def _build(root: Path, public: Path) -> None:
    from .site.build import OutputFolderRefused, build

    click.echo(f"building the site into {public}", err=True)
    try:
        report = build(root=root, out=public)
    except OutputFolderRefused as e:
        raise click.UsageError(f"{e}; pass another --public") from None
    click.echo(report.summary(), err=True)
