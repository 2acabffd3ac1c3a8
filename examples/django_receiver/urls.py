"""The receiver's one URL: POST /hooks/jobs."""

from __future__ import annotations

from django.urls import path

from .views import job_ended

urlpatterns = [path("hooks/jobs", job_ended, name="job-ended")]
