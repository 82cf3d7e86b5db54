"""The `ecosys` command: serve, worker, set-up, demo, users, import and export, exit bundles."""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
from pathlib import Path


def _django(settings: str | None = None) -> None:
    os.environ.setdefault(
        "DJANGO_SETTINGS_MODULE", settings or "ecosys.config.settings.development"
    )
    import django

    django.setup()


def _workspace(slug: str | None):
    from ecosys.core.models import Workspace

    workspaces = Workspace.objects.order_by("id")
    workspace = workspaces.filter(slug=slug).first() if slug else workspaces.first()
    if workspace is None:
        sys.exit(
            f"No workspace{' called ' + slug if slug else ''}; run `ecosys setup` or `ecosys demo`."
        )
    return workspace


def cmd_setup(args) -> None:
    """Migrate, collect static files, load the demo when the database is empty, print logins."""
    from django.conf import settings
    from django.core.management import call_command

    Path(settings.DATA_DIR).mkdir(parents=True, exist_ok=True)
    call_command("migrate", interactive=False, verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    from ecosys.core.models import Workspace

    if not Workspace.objects.exists():
        print("Empty database: loading the demo ecosystem (medium)…")
        cmd_demo(argparse.Namespace(size=args.demo_size))
    else:
        _print_logins(_workspace(None))


def _print_logins(workspace) -> None:
    from ecosys.ecosystem.demo import DEMO_PASSWORD, DEMO_SLUG, demo_logins

    if workspace.slug != DEMO_SLUG:
        return
    print(f"\nDemo logins for {workspace.name} (password: {DEMO_PASSWORD}):")
    logins = demo_logins(workspace)
    width = max((len(email) for email, _, _ in logins), default=0) + 2
    for email, role, organization in logins:
        print(f"  {email:<{width}} {role:<20} {organization}")
    print()


def cmd_demo(args) -> None:
    from tqdm import tqdm

    from ecosys.core.models import Workspace
    from ecosys.ecosystem.demo import DEMO_SLUG, demo_load

    if Workspace.objects.filter(slug=DEMO_SLUG).exists():
        sys.exit("The demo workspace already exists; use a fresh database (or ECOSYS_DATA_DIR).")
    with tqdm(total=5, desc=f"demo ({args.size})", unit="step") as bar:

        def progress(message: str) -> None:
            bar.set_postfix_str(message)
            bar.update(1)

        workspace = demo_load(size=args.size, progress=progress)
        bar.update(bar.total - bar.n)
    _print_logins(workspace)


def cmd_createuser(args) -> None:
    """Create a user and give them a role in an organisation of a workspace."""
    from django.core.exceptions import ValidationError
    from django_scopes import scope

    from ecosys.core.access import Actor
    from ecosys.core.models import Channel
    from ecosys.core.services import member_add
    from ecosys.ecosystem.models import Organization

    workspace = _workspace(args.workspace)
    with scope(workspace=workspace.pk):
        if args.organization:
            organization = Organization.objects.filter(name=args.organization).first()
            if organization is None:
                sys.exit(f"No organisation called {args.organization!r} in {workspace}.")
        else:
            organization = workspace.orchestrator
        password = args.password or os.environ.get("ECOSYS_NEW_USER_PASSWORD")
        if not password:
            import getpass

            password = getpass.getpass("Password: ")
        try:
            membership = member_add(
                actor=Actor.system(workspace, channel=Channel.CLI),
                email=args.email,
                organization=organization,
                role=args.role,
                password=password,
            )
        except ValidationError as error:
            sys.exit("; ".join(error.messages))
    print(f"Created {membership}.")


def cmd_import(args) -> None:
    from django_scopes import scope
    from tqdm import tqdm

    from ecosys.core.access import Actor
    from ecosys.core.imports import ImportRefused, run_import
    from ecosys.core.models import Channel

    workspace = _workspace(args.workspace)
    path = Path(args.file)
    if not path.exists():
        sys.exit(f"No such file: {path}")
    with scope(workspace=workspace.pk), tqdm(desc=f"checking {path.name}", unit="row") as bar:

        def progress(done: int, total: int) -> None:
            bar.total = total
            bar.update(done - bar.n)

        try:
            outcome = run_import(
                actor=Actor.system(workspace, channel=Channel.CLI),
                kind=args.kind,
                file_name=path.name,
                content=path.read_bytes(),
                progress=progress,
            )
        except ImportRefused as error:
            sys.exit(f"Refused: {error}")
    if not outcome.ok:
        print(f"Nothing was written; {len(outcome.errors)} problem(s):", file=sys.stderr)
        for error in outcome.errors[:200]:
            print(f"  row {error.row}, {error.column or '-'}: {error.message}", file=sys.stderr)
        sys.exit(1)
    print(f"Imported {outcome.total} rows: {outcome.created} added, {outcome.updated} updated.")


def cmd_channel_load(args) -> None:
    """Check and store sell-through files, each all-or-nothing, with a progress bar; then
    compute scores and warnings."""
    import json

    from django_scopes import scope
    from tqdm import tqdm

    from ecosys.core.access import Actor
    from ecosys.core.models import Channel
    from ecosys.performance.analysis import analytics_run
    from ecosys.performance.models import LoadStatus
    from ecosys.performance.services import channel_load_create, channel_load_execute

    workspace = _workspace(args.workspace)
    mapping = json.loads(args.mapping) if args.mapping else None
    failed = 0
    with scope(workspace=workspace.pk):
        actor = Actor.system(workspace, channel=Channel.CLI)
        for name in args.files:
            path = Path(name)
            if not path.exists():
                sys.exit(f"No such file: {path}")
            from django.core.exceptions import ValidationError

            try:
                with open(path, "rb") as handle:
                    load = channel_load_create(
                        actor, upload=handle, file_name=path.name, mode=args.mode, mapping=mapping
                    )
            except ValidationError as error:
                print(f"{path.name}: refused: {' '.join(error.messages)}", file=sys.stderr)
                failed += 1
                continue
            from ecosys.analytics.ingest import check_mapping
            from ecosys.performance.services import load_columns

            problems = check_mapping(load.mapping, load_columns(load)[0])
            if problems:
                print(f"{path.name}: map the columns with --mapping: {' '.join(problems)}")
                failed += 1
                continue
            load.stage = "queued"
            load.save(update_fields=["stage"])
            with tqdm(total=100, desc=path.name, unit="%") as bar:

                def progress(stage: str, percent: int, bar=bar) -> None:
                    bar.set_postfix_str(stage)
                    bar.update(percent - bar.n)

                load = channel_load_execute(load.pk, compute=False, on_progress=progress)
            load.refresh_from_db()
            print(f"{path.name}: {load.message}")
            if load.status != LoadStatus.STORED:
                failed += 1
                for error in load.errors[:200]:
                    where = f"row {error['row']}" if error["row"] else "file"
                    print(
                        f"  {where}, {error['column'] or '-'}: {error['message']}", file=sys.stderr
                    )
        if not args.no_compute:
            run = analytics_run(workspace, triggered_by="ecosys channel-load")
            print(
                f"Scores for {run.partner_periods:,} partner-months; "
                f"{run.warnings_raised} new warning(s)."
            )
    if failed:
        sys.exit(1)


def cmd_analytics_run(args) -> None:
    """Compute every partner's measures, scores and early warnings now."""
    from django_scopes import scope

    from ecosys.performance.analysis import analytics_run

    workspace = _workspace(args.workspace)
    with scope(workspace=workspace.pk):
        run = analytics_run(workspace, triggered_by="ecosys analytics-run")
    timings = ", ".join(f"{key} {value:.1f}" for key, value in (run.timings or {}).items())
    print(
        f"{run.get_status_display()}: {run.partner_periods:,} partner-months, "
        f"{run.written:,} scores written, {run.warnings_raised} new warning(s). {timings}"
    )


def cmd_export(args) -> None:
    from django_scopes import scope
    from tqdm import tqdm

    from ecosys.core.access import Actor
    from ecosys.core.listing import export_rows, list_apply, xlsx_bytes
    from ecosys.ecosystem import lists, selectors

    specs = {
        "organizations": (lists.ORGANIZATIONS, selectors.organization_list),
        "people": (lists.PEOPLE, selectors.person_list),
        "relationships": (lists.RELATIONSHIPS, selectors.relationship_list),
    }
    spec, select = specs[args.kind]
    workspace = _workspace(args.workspace)
    output = Path(args.output or f"{args.kind}.{args.format}")
    with scope(workspace=workspace.pk):
        queryset = list_apply(select(actor=Actor.system(workspace)), {}, spec).queryset
        total = queryset.count()
        rows = tqdm(
            export_rows(queryset, spec.columns),
            total=total + 1,
            desc=f"export {args.kind}",
            unit="row",
        )
        if args.format == "xlsx":
            output.write_bytes(xlsx_bytes(rows, spec.export_name))
        else:
            import csv

            with output.open("w", newline="", encoding="utf-8") as handle:
                csv.writer(handle).writerows(rows)
    print(f"Wrote {total} rows to {output}.")


def cmd_bundle_export(args) -> None:
    """Write the workspace's exit bundle (or one organisation's share, or one engagement, whole
    or with --organization as its customer sees it) with a progress bar."""
    from django.core.exceptions import ValidationError
    from django_scopes import scope
    from tqdm import tqdm

    from ecosys.ecosystem.models import Organization
    from ecosys.engagements.models import Engagement
    from ecosys.portability.bundle_export import ORGANIZATION, WORKSPACE, export_bundle

    def find(model, public_id):
        try:
            return model.objects.filter(public_id=public_id).first()
        except ValidationError:
            return None

    workspace = _workspace(args.workspace)
    output = Path(args.output)
    with scope(workspace=workspace.pk):
        organization = engagement = None
        if args.organization:
            organization = find(Organization, args.organization)
            if organization is None:
                sys.exit(f"No organisation {args.organization} in workspace {workspace.slug}.")
        if args.engagement:
            engagement = find(Engagement, args.engagement)
            if engagement is None:
                sys.exit(f"No engagement {args.engagement} in workspace {workspace.slug}.")
            if organization is not None and organization.pk not in (
                engagement.customer_id,
                workspace.orchestrator_id,
            ):
                sys.exit(
                    f"{organization.name} is not the customer of {engagement.title}: an "
                    "engagement is exported whole or as its customer sees it."
                )
        if engagement is not None:
            kind = "engagement"
        else:
            kind = ORGANIZATION if organization else WORKSPACE
        partial = output.with_name(output.name + ".partial")
        try:
            with partial.open("wb") as handle, tqdm(total=100, desc="export", unit="%") as bar:

                def progress(stage: str, percent: int) -> None:
                    bar.set_postfix_str(stage)
                    bar.update(max(percent - bar.n, 0))

                manifest = export_bundle(
                    workspace,
                    scope=kind,
                    organization=organization,
                    engagement=engagement,
                    out=handle,
                    progress=progress,
                )
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
        partial.replace(output)
    records = sum(entry["count"] for entry in manifest.entities.values())
    if engagement is not None:
        view = f" as {organization.name} sees it" if manifest.organization else ""
        what = f"engagement {engagement.title}{view}"
    else:
        what = organization.name if organization else f"workspace {workspace.slug}"
    print(f"Wrote the bundle of {what} to {output}: {records:,} records.")


def _bundle_workspace_name(path: Path) -> str | None:
    """The workspace name a bundle's manifest gives, if it is readable (the import checks it)."""
    import json
    import zipfile

    try:
        with zipfile.ZipFile(path) as archive:
            if archive.getinfo("manifest.json").file_size > 10 << 20:
                return None
            name = json.loads(archive.read("manifest.json")).get("workspace", {}).get("name")
    except (OSError, KeyError, ValueError, AttributeError, zipfile.BadZipFile):
        return None
    return name if isinstance(name, str) and name.strip() else None


def cmd_bundle_import(args) -> None:
    """Check an exit bundle and import it (or report what it would do) with a progress bar."""
    from tqdm import tqdm

    from ecosys.core.models import Workspace
    from ecosys.portability.bundle_import import import_bundle

    path = Path(args.file)
    if not path.exists():
        sys.exit(f"No such file: {path}")
    created = None
    if args.create:
        if not args.workspace:
            sys.exit("--create needs --workspace SLUG: the new, empty workspace's name.")
        if Workspace.objects.filter(slug=args.workspace).exists():
            sys.exit(f"A workspace called {args.workspace} exists already.")
        # An empty workspace: the bundle brings its orchestrator and everything else.
        name = _bundle_workspace_name(path) or args.workspace
        workspace = created = Workspace.objects.create(name=name[:200], slug=args.workspace)
    else:
        workspace = _workspace(args.workspace)
    with tqdm(total=100, desc=f"import {path.name}", unit="%") as bar:

        def progress(stage: str, percent: int) -> None:
            bar.set_postfix_str(stage)
            bar.update(max(percent - bar.n, 0))

        options = {"new_ids": True} if args.new_ids else {}
        report = import_bundle(
            workspace,
            path,
            policy=args.policy,
            dry_run=args.dry_run,
            progress=progress,
            **options,
        )
    if not report.ok:
        if created is not None:
            created.delete()
        print("Refused; nothing was written:", file=sys.stderr)
        for problem in report.problems:
            print(f"  {problem}", file=sys.stderr)
        sys.exit(1)
    totals = {"created": 0, "updated": 0, "skipped": 0}
    for entity, counts in sorted(report.counts.items()):
        if any(counts.values()):
            print(
                f"  {entity}: {counts['created']} created, {counts['updated']} updated, "
                f"{counts['skipped']} skipped"
            )
        for key in totals:
            totals[key] += counts[key]
    verb = "Dry run, nothing written: would have" if args.dry_run else "Imported into"
    target = "" if args.dry_run else f" {workspace.slug}:"
    print(
        f"{verb}{target} {totals['created']:,} created, {totals['updated']:,} updated, "
        f"{totals['skipped']:,} skipped."
    )


def _gunicorn_command(args) -> list[str]:
    bind = args.bind or os.environ.get("ECOSYS_BIND", "127.0.0.1:8000")
    workers = args.workers or os.environ.get(
        "ECOSYS_WEB_WORKERS", str(2 * (os.cpu_count() or 1) + 1)
    )
    return [
        sys.executable, "-m", "gunicorn", "ecosys.config.wsgi:application",
        "--bind", bind, "--workers", str(workers), "--access-logfile", "-",
        "--timeout", os.environ.get("ECOSYS_WEB_TIMEOUT", "60"),
    ]  # fmt: skip


def cmd_serve(args) -> None:
    """Serve the web app with gunicorn; with --with-worker the background worker runs beside it."""
    env = dict(os.environ)
    worker = None
    if args.with_worker:
        worker = subprocess.Popen([sys.executable, "-m", "ecosys.cli", "worker"], env=env)  # noqa: S603
    print(
        "Ecosys is serving on http://"
        + (args.bind or os.environ.get("ECOSYS_BIND", "127.0.0.1:8000"))
    )
    web = subprocess.Popen(_gunicorn_command(args), env=env)  # noqa: S603

    def stop(signum, frame):
        for process in (web, worker):
            if process and process.poll() is None:
                process.terminate()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    code = web.wait()
    if worker and worker.poll() is None:
        worker.terminate()
        worker.wait(timeout=10)
    sys.exit(code)


def _daily_schedule() -> None:
    """Queue every registered daily job now and every 24 hours (they are idempotent, so a
    restart is harmless). Apps register their jobs with core.tasks.daily_job."""
    import threading

    from ecosys.core.tasks import daily_jobs_enqueue

    def loop() -> None:
        while True:
            daily_jobs_enqueue()
            stop.wait(24 * 3600)

    stop = threading.Event()
    threading.Thread(target=loop, name="ecosys-daily", daemon=True).start()


def cmd_worker(args) -> None:
    from django.core.management import call_command

    if os.environ.get("ECOSYS_DAILY_JOBS", "1") == "1":
        _daily_schedule()
    call_command("db_worker", interval=float(os.environ.get("ECOSYS_WORKER_INTERVAL", "1")))


def cmd_review_agreements(args) -> None:
    """Run the agreement review now: reminders before notice dates, renewals, ends."""
    from ecosys.partners.tasks import agreements_review_run

    print(agreements_review_run.call())


def cmd_manage(args) -> None:
    from django.core.management import execute_from_command_line

    execute_from_command_line(["ecosys manage", *args.rest])


ROLE_NAMES = (
    "orchestrator_admin",
    "orchestrator_staff",
    "external_admin",
    "external_member",
    "read_only",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ecosys", description="Ecosys operator commands.")
    sub = parser.add_subparsers(dest="command", required=True)
    setup = sub.add_parser("setup", help="migrate, collect static files, load the demo if empty")
    setup.add_argument("--demo-size", choices=["small", "medium", "large"], default="medium")
    setup.set_defaults(func=cmd_setup)
    serve = sub.add_parser("serve", help="serve the web app (gunicorn)")
    serve.add_argument("--bind")
    serve.add_argument("--workers", type=int)
    serve.add_argument("--with-worker", action="store_true", help="run the background worker too")
    serve.set_defaults(func=cmd_serve)
    sub.add_parser("worker", help="run the background task worker").set_defaults(func=cmd_worker)
    sub.add_parser(
        "review-agreements", help="agreement reminders, renewals and ends, now"
    ).set_defaults(func=cmd_review_agreements)
    demo = sub.add_parser("demo", help="load the demo ecosystem")
    demo.add_argument("--size", choices=["small", "medium", "large"], default="medium")
    demo.set_defaults(func=cmd_demo)
    user = sub.add_parser("createuser", help="create a user with a role")
    user.add_argument("email")
    user.add_argument("--role", default="orchestrator_admin", choices=list(ROLE_NAMES))
    user.add_argument("--organization", help="organisation name (default: the orchestrator)")
    user.add_argument("--workspace", help="workspace slug (default: the first)")
    user.add_argument("--password", help="or ECOSYS_NEW_USER_PASSWORD, or asked for")
    user.set_defaults(func=cmd_createuser)
    imp = sub.add_parser("import", help="import organisations or people from CSV/XLSX")
    imp.add_argument("kind", choices=["organizations", "people"])
    imp.add_argument("file")
    imp.add_argument("--workspace")
    imp.set_defaults(func=cmd_import)
    chan = sub.add_parser("channel-load", help="load sell-through files (CSV, XLSX, Parquet)")
    chan.add_argument("files", nargs="+")
    chan.add_argument("--mode", choices=["append", "replace"], default="append")
    chan.add_argument("--mapping", help='JSON, e.g. {"partner": "Reseller", "amount": "Net"}')
    chan.add_argument("--workspace")
    chan.add_argument("--no-compute", action="store_true", help="skip computing scores")
    chan.set_defaults(func=cmd_channel_load)
    run = sub.add_parser("analytics-run", help="compute scores and early warnings now")
    run.add_argument("--workspace")
    run.set_defaults(func=cmd_analytics_run)
    exp = sub.add_parser("export", help="export organisations, people or relationships")
    exp.add_argument("kind", choices=["organizations", "people", "relationships"])
    exp.add_argument("--format", choices=["csv", "xlsx"], default="csv")
    exp.add_argument("--output", "-o")
    exp.add_argument("--workspace")
    exp.set_defaults(func=cmd_export)
    bexp = sub.add_parser("bundle-export", help="write an exit bundle (ZIP) of the workspace")
    bexp.add_argument("output", metavar="OUT.zip")
    bexp.add_argument("--workspace", help="workspace slug (default: the first)")
    bexp.add_argument(
        "--organization",
        help="UUID: only this organisation's share (with --engagement: the engagement as this, "
        "its customer, sees it)",
    )
    bexp.add_argument("--engagement", help="UUID: only this engagement")
    bexp.set_defaults(func=cmd_bundle_export)
    bimp = sub.add_parser("bundle-import", help="check and import an exit bundle (ZIP)")
    bimp.add_argument("file", metavar="IN.zip")
    bimp.add_argument("--workspace", help="workspace slug (default: the first)")
    bimp.add_argument(
        "--create", action="store_true", help="import into a new, empty workspace called SLUG"
    )
    bimp.add_argument(
        "--policy",
        choices=["skip", "update", "fail"],
        default="skip",
        help="records that exist already: skip (default), update, or refuse the whole import",
    )
    bimp.add_argument("--dry-run", action="store_true", help="report what would change only")
    bimp.add_argument(
        "--new-ids",
        action="store_true",
        help="give every record a new UUID (a copy beside the records it came from)",
    )
    bimp.set_defaults(func=cmd_bundle_import)
    manage = sub.add_parser("manage", help="run a Django management command")
    manage.add_argument("rest", nargs=argparse.REMAINDER)
    manage.set_defaults(func=cmd_manage)
    return parser


def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    if args.command not in ("serve",):
        _django()
    args.func(args)


if __name__ == "__main__":
    main()
