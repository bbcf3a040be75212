"""The whole state of a daemon as JSON values, and its load into a reset engine.

``document`` versions the dump and puts the kinds of state together; each
other module dumps and loads one kind: images, volumes, networks,
containers and swarm mode.
"""

from __future__ import annotations

from .document import FORMAT as FORMAT
from .document import check_format as check_format
from .document import dump_state as dump_state
from .document import load_state as load_state

__all__ = ["FORMAT", "check_format", "dump_state", "load_state"]
