"""What a reader may see: a console account sees its own territory, a regional account every
territory of the deployment. Every query of territory data goes through `within`."""

from typing import Collection, Optional

from sqlalchemy import true
from sqlalchemy.sql.elements import ColumnElement

# The territory ids a reader may see; None: all of them (a regional account).
Territories = Optional[Collection[str]]
EVERY_TERRITORY: Territories = None


def within(column, territories: Territories) -> ColumnElement:
    """A WHERE clause keeping the rows of the reader's territories."""
    return true() if territories is None else column.in_(list(territories))
