"""The ``sandbox`` command: run the sandbox, seed it, reset it (DESIGN.md "Run modes": one process).

``sandbox up`` serves every registered service under one gateway and, once ``/readyz`` answers, prints
what runs where (:mod:`gateway.firstrun`); data lives in ``--data-dir`` (SQLite) and survives restarts.
``sandbox seed`` loads the personas, and with ``--patients``/``--professionals`` a generated population
(core.population), straight into each service's database, with a progress bar, then prints the counts.
``sandbox load-bdpm DIR`` loads the official BDPM files into the ordonnance numérique's drug reference the same
way (gateway/load_bdpm.py).
A wrong port, data directory or setting is reported in one line on stderr, before anything is created.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import sys
import time
import traceback
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.progress import MofNCompleteColumn, Progress, TimeElapsedColumn

from core.app import MAX_GENERATED
from core.digits import MAX_INT
from core.settings import DEFAULT_TENANT, SandboxSettings
from core.tenancy import check_tenant
from gateway import datadir, listen
from gateway.health import version as sandbox_version
from gateway.registry import DEFAULT_SERVICES
from gateway.seeding import Counted, SeedError, one_line, seed_services

cli = typer.Typer(
    help="e-santé sandbox: local stand-ins of the French national e-health services.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,  # plain click help: flags show as flags (no "<bool>"), brackets stay as written
)
console = Console()
errors = Console(stderr=True, soft_wrap=True)


class LogLevel(enum.StrEnum):
    critical = "critical"
    error = "error"
    warning = "warning"
    info = "info"
    debug = "debug"
    trace = "trace"


DataDir = Annotated[Path, typer.Option(
    "--data-dir", envvar="SANDBOX_DATA_DIR", metavar="DIR",
    help="Directory of the sandbox's SQLite files: one it created, an empty one or a new one.")]


def fail(message: str, code: int = 1) -> NoReturn:
    """One line on stderr, then exit with ``code``."""
    errors.print(message, style="red", markup=False, highlight=False)
    raise typer.Exit(code)


@cli.command(short_help="Serve every service behind one gateway.")
def up(
    host: Annotated[str, typer.Option(
        metavar="HOST", help="Address to listen on; 0.0.0.0 listens on every interface.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(metavar="PORT", min=1, max=65535, help="Port to listen on.")] = 8080,
    data_dir: DataDir = Path(".sandbox"),
    reset: Annotated[bool, typer.Option(
        "--reset", help="Delete the data directory first (every tenant, every service's data, recorded "
        "exchanges), then start from the personas.")] = False,
    public_url: Annotated[str | None, typer.Option(
        envvar="SANDBOX_PUBLIC_URL", metavar="URL", show_default=False,
        help="Base of the absolute URLs the sandbox hands out (issuers, Location, links), e.g. its address "
        "behind a proxy.  [default: http://HOST:PORT, with 127.0.0.1 for 0.0.0.0]")] = None,
    log_level: Annotated[LogLevel, typer.Option(
        metavar="LEVEL", case_sensitive=False,
        help="Server log level: critical, error, warning, info, debug or trace.")] = LogLevel.info,
) -> None:
    """Serve every service behind one gateway; print their URLs and demo credentials once ready."""
    from gateway.app import create_app

    try:
        datadir.check(data_dir)
        sock = listen.bind(host, port)  # the port is checked (and held) before anything is created
    except (datadir.DataDirError, listen.ListenError) as exc:
        fail(str(exc))
    with contextlib.closing(sock):
        if reset:
            _delete(data_dir)
        try:
            base = public_url or listen.default_public_url(host, port)
            settings = SandboxSettings(data_dir=data_dir, public_url=base)
            gateway = create_app(settings)
        except ValueError as exc:  # a setting (pydantic), a clients file, a service's own check
            fail(f"The sandbox cannot start: {one_line(exc)}. Fix it and run `sandbox up` again.")
        listening = listen.address_of(sock)
        try:
            asyncio.run(_serve(gateway, sock, listening, log_level))
        except KeyboardInterrupt:
            pass
        except StartError as exc:
            if log_level in (LogLevel.debug, LogLevel.trace) and exc.__cause__ is not None:
                traceback.print_exception(exc.__cause__)
            fail(str(exc))


class StartError(RuntimeError):
    """The sandbox's start-up (databases, services) failed; the message says what to do."""


async def _serve(gateway: Any, sock: Any, listening: str, log_level: LogLevel) -> None:
    """Start the gateway (and every service), serve on ``sock``, print the first-run text once ready."""
    import uvicorn

    from gateway import firstrun

    async def on_ready() -> None:
        lines = firstrun.text(gateway, listening=listening, readyz=await firstrun.ask_readyz(gateway))
        typer.echo("\n".join(lines))

    # the lifespan is run here, not by uvicorn, so that a failure is one line, not uvicorn's traceback
    config = uvicorn.Config(gateway, log_level=log_level.value, lifespan="off")
    server = firstrun.Server(config, on_ready)
    lifespan = gateway.router.lifespan_context(gateway)
    try:
        await lifespan.__aenter__()
    except Exception as exc:
        data = gateway.state.settings.data_dir
        raise StartError(
            f"The sandbox could not start: {one_line(exc)}. Check the files in {data} (or the database URLs), "
            f"or start from empty data with `sandbox up --reset --data-dir {data}`; --log-level debug shows "
            "the traceback."
        ) from exc
    try:
        await server.serve(sockets=[sock])
    finally:
        await lifespan.__aexit__(None, None, None)


@cli.command(short_help="Load the personas and generated people into a tenant.")
def seed(
    tenant: Annotated[str, typer.Option(
        metavar="NAME", help="Tenant to seed (created if missing).")] = DEFAULT_TENANT,
    patients: Annotated[int, typer.Option(
        "--patients", metavar="N", min=0, max=MAX_GENERATED,
        help="Generated patients to add to the personas (INSi identities).")] = 0,
    professionals: Annotated[int, typer.Option(
        "--professionals", metavar="N", min=0, max=MAX_GENERATED,
        help="Generated professionals, with their structures, to add to the personas (Annuaire Santé).")] = 0,
    seed_value: Annotated[int, typer.Option(
        "--seed", metavar="N", min=0, max=MAX_INT,
        help="Generator seed: the same seed gives the same people on every service.")] = 0,
    data_dir: DataDir = Path(".sandbox"),
) -> None:
    """Load the personas (plus a generated population) into a tenant of every service; print the counts."""
    from core.population.generator import gc_paused  # its tables cost 0.1 s: only the seed command pays

    try:
        check_tenant(tenant)
    except Exception as exc:  # noqa: BLE001 - shown as a CLI error
        fail(f"--tenant: {exc}", 2)
    try:
        datadir.check(data_dir)
        settings = SandboxSettings(data_dir=data_dir)
    except ValueError as exc:
        fail(str(exc) if isinstance(exc, datadir.DataDirError) else f"Cannot seed: {one_line(exc)}.")
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
                counts = asyncio.run(seed_services(settings, DEFAULT_SERVICES, tenant, seeded, patients=patients,
                                                   professionals=professionals, seed=seed_value, progress=report))
        except SeedError as exc:
            fail(str(exc))
    generated = f" with {patients:,} generated patients and {professionals:,} professionals (seed {seed_value})"
    typer.echo(f"Seeded tenant {tenant} on {len(DEFAULT_SERVICES)} service(s)"
               f"{generated if patients or professionals else ''} in {time.monotonic() - started:.1f} s.")
    typer.echo("\n".join(count_lines(counts)))


def count_lines(counts: Mapping[str, Counted]) -> list[str]:
    """One line per service and kind: how many the tenant holds now, how many this run added."""
    kinds = [kind for added, total in counts.values() for kind in (total or added)]
    width = max((len(kind) for kind in kinds), default=0)
    slug_width = max((len(slug) for slug in counts), default=0)
    lines = [f"  {'service':<{slug_width}}  {'records':<{width}}  {'in tenant':>9}  {'added':>9}"]
    for slug, (added, total) in counts.items():
        names = list(dict.fromkeys([*(total or {}), *added])) or ["(nothing)"]
        for index, kind in enumerate(names):
            held = f"{total[kind]:,}" if total is not None and kind in total else "?"
            lines.append(f"  {slug if index == 0 else '':<{slug_width}}  {kind:<{width}}  {held:>9}  "
                         f"{added.get(kind, 0):>9,}")
    return lines


@cli.command("load-bdpm", short_help="Load the official BDPM files into the drug reference.")
def load_bdpm(
    directory: Annotated[Path, typer.Argument(metavar="DIR", show_default=False, hidden=True)],  # in the docstring
    data_dir: DataDir = Path(".sandbox"),
) -> None:
    """Load the BDPM files of DIR (CIS_bdpm.txt, CIS_CIP_bdpm.txt, CIS_COMPO_bdpm.txt, optionally
    CIS_GENER_bdpm.txt) into the ordonnance numérique's drug reference, replacing a previous load.

    DIR: the unzipped files of https://base-donnees-publique.medicaments.gouv.fr/telechargement.
    """
    from gateway import load_bdpm as loader

    try:
        datadir.check(data_dir)
        settings = SandboxSettings(data_dir=data_dir)
    except ValueError as exc:
        fail(str(exc) if isinstance(exc, datadir.DataDirError) else f"Cannot load the BDPM: {one_line(exc)}.")
    columns = (*Progress.get_default_columns(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task("BDPM lines", total=None)
        try:
            loaded = loader.load(settings, directory,
                                 lambda done, total: progress.update(task, completed=done, total=total))
        except loader.LoadError as exc:
            fail(str(exc))
    typer.echo("\n".join(loader.summary(loaded, directory)))


@cli.command(short_help="Delete the data directory.")
def reset(
    data_dir: DataDir = Path(".sandbox"),
    yes: Annotated[bool, typer.Option(
        "--yes", "-y", help="Delete without asking (required when the input is not a terminal).")] = False,
) -> None:
    """Delete the data directory (every tenant, every service's data, recorded exchanges)."""
    if not yes:
        if not sys.stdin.isatty():
            fail("Not asking on a non-interactive input: pass --yes to delete the data.", 2)
        typer.confirm(f"Delete {data_dir} and all the sandbox data in it?", abort=True)
    typer.echo(f"Deleted {data_dir}." if _delete(data_dir) else f"Nothing to delete at {data_dir}.")



@cli.command(short_help="Run scenario files (patient journeys) against a sandbox.")
def run(
    paths: Annotated[list[Path] | None, typer.Argument(
        metavar="PATH", show_default=False, hidden=True)] = None,  # said in the docstring (no "<list[Path]>")
    target: Annotated[str | None, typer.Option(
        metavar="URL", show_default=False,
        help="A running sandbox (`sandbox up`), e.g. http://127.0.0.1:8080.  [default: an in-process sandbox, "
        "removed at the end]")] = None,
    tenant: Annotated[list[str] | None, typer.Option(
        "--tenant", metavar="NAME", show_default=False,
        help="Run the suite once in this tenant (a team), created if missing; repeat for several teams.  "
        "[default: a fresh tenant per scenario]")] = None,
    tag: Annotated[list[str] | None, typer.Option(
        "--tag", metavar="T", show_default=False,
        help="Run only the scenarios carrying one of these tags (repeatable); --tag vendor-in-the-loop runs "
        "the journeys that wait for a vendor's software.")] = None,
    jobs: Annotated[int | None, typer.Option(
        "--jobs", "-j", metavar="N", min=1, max=64, show_default=False,
        help="At most N scenarios at once, up to 64.  [default: 1; with --tenant, one per team]")] = None,
    junit: Annotated[Path | None, typer.Option(metavar="FILE", show_default=False,
                                               help="Write a JUnit XML report (a testcase per step).")] = None,
    json_report: Annotated[Path | None, typer.Option("--json", metavar="FILE", show_default=False,
                                                     help="Write the JSON report.")] = None,
    html: Annotated[Path | None, typer.Option(metavar="FILE", show_default=False,
                                              help="Write the self-contained HTML report.")] = None,
    testreport: Annotated[Path | None, typer.Option(metavar="FILE", show_default=False,
                                                    help="Write a FHIR R4 TestReport (JSON).")] = None,
    scoresheet: Annotated[Path | None, typer.Option(metavar="FILE", show_default=False,
                                                    help="Write the score sheet (CSV, a row per team).")] = None,
    admin_token: Annotated[str | None, typer.Option(
        envvar="SANDBOX_ADMIN_TOKEN", metavar="TOKEN", show_default=False, show_envvar=True,
        help="The sandbox's admin token, to create tenants and read recorded exchanges.")] = None,
) -> None:
    """Run scenario files against a sandbox (an in-process one without --target); exit 0 when all passed.

    PATH: scenario files, or directories of them (every *.yaml but fragments); default: the journey library,
    scenarios/journeys.
    """
    from gateway import run_command

    given = {"junit": junit, "json": json_report, "html": html, "testreport": testreport, "scoresheet": scoresheet}
    options = run_command.RunOptions(
        paths=list(paths or []), target=target, tenants=list(tenant or []), tags=list(tag or []), jobs=jobs,
        reports={kind: file for kind, file in given.items() if file is not None}, admin_token=admin_token or None)
    try:
        code = run_command.run(options, Console(highlight=False))
    except run_command.RunError as exc:
        fail(str(exc), 2)
    raise typer.Exit(code)


@cli.command()
def version() -> None:
    """Print the sandbox version."""
    typer.echo(sandbox_version())


def _delete(data_dir: Path) -> bool:
    try:
        return datadir.delete(data_dir)
    except ValueError as exc:
        fail(str(exc))
    except OSError as exc:
        fail(f"Cannot delete {data_dir} ({exc.strerror or exc}: {exc.filename or data_dir}): fix its permissions, "
             "or delete it by hand.")


def main() -> None:
    cli()


if __name__ == "__main__":
    main()
