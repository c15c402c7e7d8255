"""The ``sandbox`` command: run the sandbox, seed it, reset it (DESIGN.md "Run modes": one process).

``sandbox up`` serves every registered service under one gateway; data lives in ``--data-dir`` (SQLite)
and survives restarts. ``sandbox seed`` loads the personas, and with ``--patients``/``--professionals``
a generated population (core.population), straight into each service's database, with a progress bar.
"""

from __future__ import annotations

import asyncio
import functools
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Annotated

import httpx
import typer
from rich.console import Console
from rich.progress import MofNCompleteColumn, Progress, TimeElapsedColumn

from core.app import MAX_GENERATED, SeedRequest
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
    patients: Annotated[int, typer.Option(
        "--patients", min=0, max=MAX_GENERATED, help="Generated patients to add to the personas.")] = 0,
    professionals: Annotated[int, typer.Option(
        "--professionals", min=0, max=MAX_GENERATED, help="Generated professionals (and their structures).")] = 0,
    seed_value: Annotated[int, typer.Option(
        "--seed", min=0, help="Generator seed: the same seed gives the same people on every service.")] = 0,
    data_dir: DataDir = Path(".sandbox"),
) -> None:
    """Load the personas (plus a generated population) into a tenant of every service, straight into the databases."""
    from core.population.generator import gc_paused  # its tables cost 0.1 s: only the seed command pays

    try:
        check_tenant(tenant)
    except Exception as exc:  # noqa: BLE001 - shown as a CLI error
        errors.print(f"[red]{exc}[/]")
        raise typer.Exit(2) from exc
    settings = SandboxSettings(data_dir=data_dir)
    started = time.monotonic()
    columns = (*Progress.get_default_columns(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True) as progress:
        tasks = {spec.slug: progress.add_task(f"{spec.slug}: {tenant}", total=None) for spec in DEFAULT_SERVICES}

        def report(slug: str, done: int, total: int) -> None:
            progress.update(tasks[slug], completed=done, total=total or 1)

        def seeded(slug: str) -> None:
            total = progress.tasks[tasks[slug]].total or 1
            progress.update(tasks[slug], total=total, completed=total)

        try:
            with gc_paused():  # services keep generated records alive while they load them
                asyncio.run(seed_services(settings, DEFAULT_SERVICES, tenant, seeded, patients=patients,
                                          professionals=professionals, seed=seed_value, progress=report))
        except SeedError as exc:
            errors.print(f"[red]{exc}[/]")
            raise typer.Exit(1) from exc
    generated = f" with {patients:,} generated patients and {professionals:,} professionals (seed {seed_value})"
    console.print(f"Seeded tenant [bold]{tenant}[/] on {len(DEFAULT_SERVICES)} service(s)"
                  f"{generated if patients or professionals else ''} in {time.monotonic() - started:.1f} s.")


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


class SeedError(RuntimeError):
    """A service failed to seed; the message names the service and what to do."""


async def seed_services(
    settings: SandboxSettings,
    specs: Sequence[ServiceSpec],
    tenant: str,
    on_seeded: Callable[[str], None] | None = None,
    *,
    patients: int = 0,
    professionals: int = 0,
    seed: int = 0,
    progress: Callable[[str, int, int], None] | None = None,
) -> None:
    """Seed ``tenant`` on each service (built in-process, lifespan run) and register it with the gateway.

    Each service's seeder is called directly with one :class:`SeedRequest` (same counts and seed for all,
    so the services agree on the generated people); ``progress(slug, done, total)`` relays its reports.
    A service without a seeder gets the admin seed route instead.
    """
    datadir.mark(settings.data_dir)
    for spec in specs:
        app = spec.build_app(spec.build_settings(settings))
        relay = functools.partial(progress, spec.slug) if progress else None
        request = SeedRequest(tenant, patients=patients, professionals=professionals, seed=seed, progress=relay)
        async with app.router.lifespan_context(app):
            seeder = getattr(app.state, "seed", None)
            try:
                if seeder is not None:
                    # A seeder is synchronous and may run for a minute: off the loop, like a route would be.
                    await asyncio.to_thread(seeder, request)
                else:
                    await _seed_over_http(settings, spec.slug, app, request)
            except Exception as exc:
                raise SeedError(
                    f"Seeding {spec.slug} (tenant {tenant!r}) failed: {exc}. Fix the cause and run `sandbox seed` "
                    "again, or start from empty data with `sandbox reset --yes`."
                ) from exc
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


async def _seed_over_http(settings: SandboxSettings, slug: str, app: object, request: SeedRequest) -> None:
    """Seed through the service's admin route (no progress reports), for apps not built by core.app."""
    token = settings.admin_token.get_secret_value() if settings.admin_token else None
    headers = {"x-sandbox-admin-token": token} if token else {}
    params = {"patients": request.patients, "professionals": request.professionals, "seed": request.seed}
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url=f"http://{slug}") as client:
        response = await client.post(f"/_admin/tenants/{request.tenant}/seed", headers=headers, params=params)
    if response.status_code >= 400:
        raise RuntimeError(f"{response.status_code} {response.text[:200]}")


def main() -> None:
    cli()


if __name__ == "__main__":
    main()
