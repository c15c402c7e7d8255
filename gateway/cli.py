"""The ``sandbox`` command: run the sandbox, seed it, reset it (DESIGN.md "Run modes": one process).

``sandbox up`` serves every registered service under one gateway; data lives in ``--data-dir`` (SQLite)
and survives restarts. ``sandbox seed`` loads reference data straight into each service's database.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Annotated

import httpx
import typer
from rich.console import Console
from rich.progress import Progress

from core.db import Database
from core.settings import DEFAULT_TENANT, SandboxSettings
from core.tenancy import check_tenant
from gateway import datadir, store
from gateway.health import version as sandbox_version
from gateway.registry import DEFAULT_SERVICES, ServiceSpec
from gateway.tenants import now_iso

cli = typer.Typer(
    help="e-santé sandbox: local stand-ins of the French national e-health services.",
    no_args_is_help=True,
    add_completion=False,
)
console = Console()
errors = Console(stderr=True)

DataDir = Annotated[
    Path, typer.Option("--data-dir", envvar="SANDBOX_DATA_DIR", help="Where the SQLite files live."),
]


@cli.command()
def up(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8080,
    data_dir: DataDir = Path(".sandbox"),
    reset: Annotated[bool, typer.Option("--reset", help="Delete the data directory first.")] = False,
    public_url: Annotated[
        str | None,
        typer.Option(envvar="SANDBOX_PUBLIC_URL", help="Base of absolute URLs [default: http://HOST:PORT]."),
    ] = None,
    log_level: Annotated[str, typer.Option(help="uvicorn log level.")] = "info",
) -> None:
    """Serve every service behind one gateway."""
    import uvicorn

    from gateway.app import create_app

    if reset:
        _delete(data_dir)
    settings = SandboxSettings(data_dir=data_dir, public_url=public_url or f"http://{host}:{port}")
    console.print(f"[bold]e-santé sandbox[/] on {settings.public_base} (data in {data_dir})")
    uvicorn.run(create_app(settings), host=host, port=port, log_level=log_level)


@cli.command()
def seed(
    tenant: Annotated[str, typer.Option(help="Tenant to seed.")] = DEFAULT_TENANT,
    data_dir: DataDir = Path(".sandbox"),
) -> None:
    """Load every service's reference data into a tenant, straight into the databases."""
    try:
        check_tenant(tenant)
    except Exception as exc:  # noqa: BLE001 - shown as a CLI error
        errors.print(f"[red]{exc}[/]")
        raise typer.Exit(2) from exc
    settings = SandboxSettings(data_dir=data_dir)
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task(f"Seeding tenant {tenant}", total=len(DEFAULT_SERVICES) or 1)
        asyncio.run(seed_services(settings, DEFAULT_SERVICES, tenant, lambda _slug: progress.advance(task)))
    console.print(f"Seeded tenant [bold]{tenant}[/] on {len(DEFAULT_SERVICES)} service(s).")


@cli.command()
def reset(
    data_dir: DataDir = Path(".sandbox"),
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
) -> None:
    """Delete the data directory (every tenant, every service's data, recorded exchanges)."""
    if not yes:
        if not sys.stdin.isatty():
            errors.print("[red]Not asking on a non-interactive input: pass --yes to delete the data.[/]")
            raise typer.Exit(2)
        typer.confirm(f"Delete {data_dir} and all the sandbox data in it?", abort=True)
    console.print(f"Deleted {data_dir}." if _delete(data_dir) else f"Nothing to delete at {data_dir}.")


@cli.command()
def version() -> None:
    """Print the sandbox version."""
    typer.echo(sandbox_version())


def _delete(data_dir: Path) -> bool:
    try:
        return datadir.delete(data_dir)
    except ValueError as exc:
        errors.print(f"[red]{exc}[/]")
        raise typer.Exit(1) from exc


async def seed_services(
    settings: SandboxSettings,
    specs: Sequence[ServiceSpec],
    tenant: str,
    on_seeded: Callable[[str], None] | None = None,
) -> None:
    """Seed ``tenant`` on each service (built in-process, lifespan run) and register it with the gateway."""
    datadir.mark(settings.data_dir)
    token = settings.admin_token.get_secret_value() if settings.admin_token else None
    headers = {"x-sandbox-admin-token": token} if token else {}
    for spec in specs:
        app = spec.build_app(spec.build_settings(settings))
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url=f"http://{spec.slug}") as client:
                response = await client.post(f"/_admin/tenants/{tenant}/seed", headers=headers)
        if response.status_code >= 400:
            raise RuntimeError(f"Seeding {spec.slug} failed: {response.status_code} {response.text[:200]}")
        if on_seeded:
            on_seeded(spec.slug)
    url = settings.database_url or settings.sqlite_url("gateway")
    db = Database(url, prefix="gateway", metadata=store.metadata)
    try:
        db.create_all()
        with db.write() as conn:
            for name in dict.fromkeys((DEFAULT_TENANT, tenant)):
                if store.get_tenant(conn, name=name) is None:
                    store.insert_tenant(conn, name=name, created_at=now_iso())
    finally:
        db.dispose()


def main() -> None:
    cli()


if __name__ == "__main__":
    main()
