"""The Celery application. Configuration comes from Django settings (the CELERY_ prefix).

Tasks live in each app's tasks.py; site-wide jobs (the retention purge) in config/tasks.py.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("pause")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
app.autodiscover_tasks(["config"])
