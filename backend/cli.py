"""`flask` commands: demo data, the job worker, and watching a job from the terminal."""
from __future__ import annotations

import sys
import time

import click
from flask import Flask
from flask.cli import AppGroup, with_appcontext
from sqlalchemy import func, inspect, select

from backend.extensions import db

demo_group = AppGroup("demo", help="The demo city.")


def database_is_empty() -> bool:
    from backend.auth.models import Organization

    if not inspect(db.engine).has_table("organizations"):
        return True
    return db.session.scalar(select(func.count()).select_from(Organization)) == 0


@demo_group.command("load")
@click.option("--date", "day", type=click.DateTime(["%Y-%m-%d"]), default=None, help="Delivery day (default today).")
@click.option("--orders", default=150, show_default=True)
@click.option("--drivers", default=8, show_default=True)
@click.option("--if-empty", is_flag=True, help="Do nothing when the database already has an organization.")
@click.option("--publish", is_flag=True, help="Also optimize the day and publish every driver's route.")
@click.option("--time-limit", default=5.0, show_default=True, help="Optimizer seconds when publishing.")
def demo_load(day, orders, drivers, if_empty, publish, time_limit):
    """Create the Montréal demo organization and print its logins."""
    from flask import current_app

    from backend import demo

    if if_empty and not database_is_empty():
        click.echo("The database already has data; demo not loaded.")
        return
    result = demo.load(day=day.date() if day else None, orders=orders, drivers=drivers,
                       seed=current_app.config["DEMO_SEED"])
    click.echo(f"Demo loaded: {result['orders']} orders for {result['day']}, {len(result['drivers'])} drivers.")
    if publish:
        publish_demo_day(result, time_limit)
    print_logins(result)


def publish_demo_day(result: dict, time_limit: float) -> None:
    from datetime import date as date_type

    plan_with_progress(result["org_id"], date_type.fromisoformat(result["day"]), result["depot_id"], time_limit,
                       publish=True)


def plan_with_progress(org_id: int, day, depot_id: int, time_limit: float, *, publish: bool) -> dict:
    """Optimize a day in this process (a CLI, never the web hub) with a progress bar; optionally publish."""
    from backend.auth.models import Role
    from backend.auth.principal import Principal
    from backend.dispatch import service as dispatch_service
    from backend.dispatch import planning

    actor = Principal(kind="user", id=0, org_id=org_id, role=Role.admin, name="command line")
    with click.progressbar(length=100, label=f"Optimizing {day}") as bar:
        shown = [0]

        def progress(update):
            target = int(min(update.get("elapsed_s", 0) / time_limit, 1.0) * 100)
            if target > shown[0]:
                bar.update(target - shown[0])
                shown[0] = target

        plan = planning.plan_day(org_id, day, depot_id, time_limit=time_limit, on_progress=progress, actor=actor)
        bar.update(100 - shown[0])
    if publish:
        for route_id in plan["route_ids"]:
            dispatch_service.publish_route(actor, route_id)
    verb = "Published" if publish else "Drafted"
    click.echo(f"{verb} {len(plan['route_ids'])} routes; {len(plan['unassigned'])} orders left unassigned.")
    for item in plan["unassigned"][:20]:
        click.echo(f"  unassigned {item['external_ref']}: {item['reason']}")
    return plan


@click.command("plan")
@with_appcontext
@click.option("--org", "slug", required=True, help="Organization slug.")
@click.option("--date", "day", type=click.DateTime(["%Y-%m-%d"]), required=True)
@click.option("--depot-id", type=int, default=None, help="Depot (default: the organization's first).")
@click.option("--time-limit", default=10.0, show_default=True)
@click.option("--publish", is_flag=True, help="Publish the routes to the drivers.")
def plan_command(slug, day, depot_id, time_limit, publish):
    """Optimize a day's orders into draft routes (replacing the day's drafts), with a progress bar."""
    from backend.auth.models import Organization
    from backend.errors import DomainError
    from backend.fleet import service as fleet_service

    org = db.session.scalar(select(Organization).where(Organization.slug == slug))
    if org is None:
        raise click.ClickException(f"No organization {slug!r}.")
    depot = fleet_service.get_depot(org.id, depot_id) if depot_id else fleet_service.default_depot(org.id)
    if depot is None:
        raise click.ClickException("The organization has no depot.")
    try:
        plan_with_progress(org.id, day.date(), depot.id, time_limit, publish=publish)
    except DomainError as refused:
        raise click.ClickException(refused.message)


@click.command("create-org")
@with_appcontext
@click.option("--name", required=True)
@click.option("--slug", required=True)
@click.option("--admin-email", required=True)
@click.option("--admin-name", default="Administrator", show_default=True)
@click.option("--admin-password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--currency", default="CAD", show_default=True)
def create_org_command(name, slug, admin_email, admin_name, admin_password, currency):
    """Create an organization and its first admin (the start of a real deployment)."""
    from backend.auth import service as auth_service
    from backend.auth.models import Role
    from backend.errors import DomainError

    if len(admin_password) < 8:
        raise click.ClickException("The password needs at least 8 characters.")
    from backend.unit_of_work import unit_of_work

    try:
        with unit_of_work():
            org = auth_service.create_organization(name, slug, currency=currency.upper())
            auth_service.build_user(org.id, name=admin_name, role=Role.admin, email=admin_email,
                                    password=admin_password)
    except DomainError as refused:
        raise click.ClickException(f"{refused.message} {refused.fields or ''}".strip())
    click.echo(f"Created {name} ({slug}); log in as {admin_email.lower()} and add depots, vehicles and drivers.")


@click.command("setup-code")
@with_appcontext
def setup_code_command():
    """Print the code the browser asks for to create the first organization (an empty installation only)."""
    from backend.onboarding import service as onboarding

    if not database_is_empty():
        raise click.ClickException("This installation already has an organization; the setup code is spent.")
    click.echo(onboarding.setup_code())


def print_logins(result: dict) -> None:
    click.echo("Logins (password for staff, PIN for drivers):")
    click.echo(f"  admin       {result['admin']:<32} {result['password']}")
    click.echo(f"  dispatcher  {result['dispatcher']:<32} {result['password']}")
    for phone in result["drivers"]:
        click.echo(f"  driver      {phone:<32} PIN {result['driver_pin']}")


@click.command("worker")
@with_appcontext
@click.option("--workers", type=int, default=None, help="Worker threads (default JOBS_WORKERS).")
def worker_command(workers):
    """Run the background job worker (with REDIS_URL: one of several worker processes)."""
    from flask import current_app

    from backend.jobs.worker import run_worker

    run_worker(current_app._get_current_object(), workers)


@click.command("job")
@with_appcontext
@click.argument("job_id")
def job_command(job_id):
    """Follow a job with a progress bar until it ends."""
    from backend.jobs.models import Job, JobStatus
    from backend.jobs import service

    job = db.session.get(Job, job_id)
    if job is None:
        raise click.ClickException("No such job.")
    with click.progressbar(length=1000, label=f"{job.kind} {job.id[:8]}", show_eta=False) as bar:
        shown = 0
        while True:
            db.session.expire_all()
            job = service.get_job(job.org_id, job_id)
            target = int(job.progress * 1000)
            if target > shown:
                bar.update(target - shown)
                shown = target
            bar.label = f"{job.kind} {job.status.value} {job.message[:40]}"
            if job.status.finished:
                break
            time.sleep(0.3)
    click.echo(f"{job.status.value}: {job.error['message'] if job.error else ''}")
    sys.exit(0 if job.status is JobStatus.succeeded else 1)


@click.command("simulate")
@with_appcontext
@click.option("--url", default=None, help="The running server (default http://HOST:PORT).")
@click.option("--date", "day", type=click.DateTime(["%Y-%m-%d"]), default=None, help="Day (default: today).")
@click.option("--speed", default=10.0, show_default=True,
              help="How much faster than real time drivers move (on a virtual clock: the clock's rate).")
@click.option("--interval", default=3.0, show_default=True, help="Seconds between fixes.")
@click.option("--fail-rate", default=0.05, show_default=True, help="Share of stops that fail.")
@click.option("--seed", default=1, show_default=True)
@click.option("--org", "slug", default=None, help="Only this organization's routes (e.g. a practice organization).")
def simulate_command(url, day, speed, interval, fail_rate, seed, slug):
    """Drive the day's published routes with virtual drivers (the demo comes alive; also a load generator)."""
    import asyncio
    from zoneinfo import ZoneInfo

    from flask import current_app

    from backend.auth.models import User
    from backend.dispatch.models import Route, RouteStatus
    from backend.fleet.models import Driver
    from backend.simulator import mint_session_cookie, simulate

    app = current_app._get_current_object()
    url = url or f"http://{'127.0.0.1' if app.config['HOST'] in ('0.0.0.0', '::') else app.config['HOST']}:{app.config['PORT']}"
    from backend import clock

    day = day.date() if day else clock.now().astimezone(ZoneInfo(app.config["TIMEZONE"])).date()
    if clock.virtual() is not None:  # on the road, time passes at the clock's pace
        speed = clock.virtual().rate
    statement = select(Route).where(Route.date == day, Route.status.in_(
        [RouteStatus.published, RouteStatus.in_progress]), Route.driver_id.is_not(None))
    if slug:
        from backend.auth.models import Organization

        org = db.session.scalar(select(Organization).where(Organization.slug == slug))
        if org is None:
            raise click.ClickException(f"No organization {slug!r}.")
        statement = statement.where(Route.org_id == org.id)
    routes = list(db.session.scalars(statement))
    if not routes:
        raise click.ClickException(f"No published route on {day}. Publish some (e.g. flask demo load --publish).")
    sessions = []
    for route in routes:
        user = db.session.get(User, db.session.get(Driver, route.driver_id).user_id)
        cookie, csrf = mint_session_cookie(app, user)
        sessions.append((cookie, csrf, user.name))
    click.echo(f"Simulating {len(sessions)} drivers on {day} against {url} (x{speed}, a fix every {interval}s)")
    with click.progressbar(length=len(sessions), label="Routes finished") as bar:
        done = [0]

        def tick(stats, finished, total):
            if finished > done[0]:
                bar.update(finished - done[0])
                done[0] = finished

        stats = asyncio.run(simulate(url, sessions, speed=speed, interval_s=interval, fail_rate=fail_rate, seed=seed,
                                     on_tick=tick, day=day.isoformat()))
    click.echo(f"{stats.delivered} delivered, {stats.failed} failed, {stats.fixes} fixes, {len(stats.errors)} errors")
    for error in stats.errors[:5]:
        click.echo(f"  error: {error}")


def init_app(app: Flask) -> None:
    app.cli.add_command(simulate_command)
    app.cli.add_command(plan_command)
    app.cli.add_command(create_org_command)
    app.cli.add_command(setup_code_command)
    app.cli.add_command(demo_group)
    app.cli.add_command(worker_command)
    app.cli.add_command(job_command)
    from backend.vroom.cli import vroom_group

    app.cli.add_command(vroom_group)
