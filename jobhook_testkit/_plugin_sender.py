"""pytest wiring for the sender fixtures (registered by jobhook_testkit.plugin)."""
