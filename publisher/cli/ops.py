"""Running the system: `publisher worker`, `serve`, `demo` and `db upgrade`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from publisher.cli.common import commands, err, group, out, services

top = commands()
db_app = group("The database.")


@top.command()
def worker(
    ctx: typer.Context,
    concurrency: Annotated[int | None, typer.Option("--concurrency", "-c", help="Worker processes.")] = None,
    loglevel: Annotated[str, typer.Option("--loglevel", "-l")] = "INFO",
) -> None:
    """Run a Celery worker for every queue (email and each share channel)."""
    from publisher import runtime  # lazy: start-up cost (the worker itself loads Celery)

    runtime.run_worker(concurrency, loglevel)


@top.command()
def serve(
    ctx: typer.Context,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
) -> None:
    """Run the web app (editor pages, public pages, REST API)."""
    import uvicorn  # lazy: start-up cost

    from publisher import logs
    from publisher.web import create_app  # lazy: start-up cost (FastAPI)
    from publisher.web.app import UVICORN_LOGGERS

    app = create_app(services=services(ctx))
    logs.setup_logging(app.state.settings.log_format, "INFO", adopt=UVICORN_LOGGERS)  # uvicorn's: log_config=None
    err.print(f"serving on http://{host}:{port}/")
    uvicorn.run(app, host=host, port=port, log_level="info", log_config=None)


@top.command()
def demo(
    ctx: typer.Context,
    subscribers_count: Annotated[int, typer.Option("--subscribers")] = 1000,
    data_dir: Annotated[Path | None, typer.Option(help="Where the demo keeps its data (wiped first).")] = None,
) -> None:
    """Run the main job end to end on the embedded default: SQLite, filesystem broker, file outbox."""
    from publisher.demo import run_demo  # lazy: start-up cost (the demo starts a Celery worker)

    ok = run_demo(out, err, data_dir or Path.cwd() / "var" / "demo", subscribers_count)
    raise typer.Exit(0 if ok else 1)


@db_app.command("upgrade")
def db_upgrade(ctx: typer.Context) -> None:
    """Create or upgrade the database schema (every command also does this when needed)."""
    store = services(ctx).store  # opening the store migrates it
    out.print(f"schema is current: {store.engine.url.render_as_string(hide_password=True)}")
