"""pytest wiring for the recorder fixtures (registered by jobhook_testkit.plugin)."""
