"""`mentorbot demo`: the bot with no LINE channel, and a local page that plays LINE."""
from __future__ import annotations

import logging

import click
from flask.cli import AppGroup

_group = AppGroup("demo-commands")


@_group.command("demo", with_appcontext=False)
@click.option("--port", default=5000, show_default=True, type=click.IntRange(0, 65535),
              help="Port of the page, the bot's webhook and the stand-in LINE API.")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on. Keep 127.0.0.1: the page hands out the demo's secret.")
@click.option("--fresh", is_flag=True,
              help="Delete the demo database first and load the sample again.")
def demo(port: int, host: str, fresh: bool) -> None:
    """Try the bot without a LINE channel: sample data, and a chat page at /demo.

    Runs the real bot on a SQLite file in the instance folder (demo.db), with LINE's Messaging
    API replaced by a local stand-in that checks every call against LINE's OpenAPI spec.
    """
    # The `mentorbot` CLI has built its own app (with the ordinary settings) to find this
    # command; the demo builds another one, with the demo's database and channel.
    from ..demo.server import DemoServer, ListenError

    # Migrations log a line per step; the newcomer needs the URL, not Alembic's plugin list.
    logging.getLogger("alembic").setLevel(logging.WARNING)
    server = DemoServer(host=host, port=port, fresh=fresh)
    try:
        server.start()
    except ListenError as exc:
        raise click.ClickException(f"{exc}; try another --port") from None
    report = server.load_report
    click.echo(f"demo database: {server.db_path}" + (" (new)" if report and report.roster else ""))
    if report and report.coordinators_created:
        click.echo("demo coordinators for: " + ", ".join(report.coordinators_created))
    if server.rich_menu_error:
        click.echo(f"rich menus: not deployed ({server.rich_menu_error}); the chat works without")
    if host not in ("127.0.0.1", "localhost", "::1"):
        click.secho("warning: the page gives its channel secret to anyone who can reach "
                    f"{host}:{server.bound_port}; it is a throw-away secret, but this is a demo.",
                    fg="yellow", err=True)
    click.echo("")
    click.secho(f"  mentorbot demo: open {server.page_url}", bold=True)
    click.echo("  (Ctrl+C to stop)")
    click.echo("")
    server.wait()


commands = [demo]
