import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
# gunicorn only (runserver has loaded the settings before this file): settings give database statements a time limit, which
# background jobs and management commands do not have.
os.environ.setdefault("PAUSE_PROCESS", "web")

application = get_wsgi_application()
