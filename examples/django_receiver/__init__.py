"""A correct End Job Notification receiver written with Django, served as WSGI and as ASGI."""
