"""The live inspector of ``jobhook serve --ui``: a page on 127.0.0.1 showing each delivery.

``store.py`` keeps the deliveries, ``app.py`` serves them (and the static page under
``static/``: plain HTML, CSS and JavaScript, no build step, nothing fetched from elsewhere).
"""

from jobhook_testkit._inspector.app import Inspector

__all__ = ["Inspector"]
