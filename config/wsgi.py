import os

from django.core.wsgi import get_wsgi_application

from config.deadline import with_deadline

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
# gunicorn only (runserver has loaded the settings before this file): settings give database
# statements a time limit, which background jobs and management commands do not have.
os.environ.setdefault("PAUSE_PROCESS", "web")

# Public requests end within REQUEST_DEADLINE_SECONDS even when a kept database connection hangs.
application = with_deadline(get_wsgi_application())
