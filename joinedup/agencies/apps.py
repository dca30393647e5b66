from django.apps import AppConfig


class AgenciesConfig(AppConfig):
    name = "joinedup.agencies"
