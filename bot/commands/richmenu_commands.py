"""`mentorbot richmenu deploy|status`: the mentor and coordinator rich menus."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from delivery import richmenu
from delivery.config import ConfigError, check_line_credentials
from models import Role

from ..services import services

richmenu_group = AppGroup("richmenu", help="The rich menus shown to mentors and coordinators.")


@richmenu_group.command("deploy")
def deploy() -> None:
    """Create both menus, link every registered person, delete the menus they replace.

    Run again after changing the menu images or the LINE channel secret (the areas carry
    signed data)."""
    svc = services()
    try:
        check_line_credentials(svc.config)
        report = richmenu.deploy(svc, say=click.echo)
    except ConfigError as exc:
        _fail(str(exc))
    except richmenu.DeployError as exc:
        _fail(f"{exc}. Nothing was deleted; run `mentorbot richmenu deploy` again "
              "(it also deletes what this run left behind).")
    total = sum(report.linked.values())
    click.echo(f"done: {len(report.created)} menus, {total} people linked in "
               f"{report.batches} request(s) (LINE applies bulk links within a few seconds)")


@richmenu_group.command("status")
def status() -> None:
    """The deployed rich menu ids, and replaced ones not deleted on LINE yet."""
    svc = services()
    with svc.db.transaction() as session:
        stored = richmenu.stored_ids(session)
    for role in Role:
        click.echo(f"{role.value:12} {stored.get(richmenu.setting_key(role), 'not deployed')}")
    for key, menu_id in sorted(stored.items()):
        if key.startswith(richmenu.RETIRING_PREFIX):
            click.echo(f"{'to delete':12} {menu_id}")


def _fail(message: str) -> None:
    click.echo(f"error: {message}", err=True)
    click.get_current_context().exit(1)


commands = [richmenu_group]
