from django.apps import AppConfig


class ServicesDirectoryConfig(AppConfig):
    name = "services_directory"

    def ready(self) -> None:
        from services_directory import lookups

        lookups.register()
