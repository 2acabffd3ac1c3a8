"""A correct End Job Notification receiver written with FastAPI (ASGI), and its tests."""
