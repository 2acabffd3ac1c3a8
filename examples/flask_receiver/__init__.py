"""A correct End Job Notification receiver written with Flask, and its tests."""
