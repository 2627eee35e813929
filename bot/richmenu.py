"""Rich menus: one per role, linked to each registered person (placeholder until deployed)."""
from __future__ import annotations

import logging

log = logging.getLogger(__name__)


def apply(svc, effect) -> None:
    """Link the role's rich menu to the user, if the menus have been deployed."""
    log.debug("rich menu linking is not set up yet")
