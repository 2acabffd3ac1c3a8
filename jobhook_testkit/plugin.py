"""pytest entry point (``pytest11: jobhook``): wires options and fixtures to the library.

Placeholder until the fixtures issue lands. Sub-plugins below are registered with it, so
``-p no:jobhook`` disables all of them.
"""

from __future__ import annotations

pytest_plugins = ["jobhook_testkit._plugin_sender", "jobhook_testkit._plugin_recorder"]
