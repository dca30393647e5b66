from django.apps import AppConfig


class AccessConfig(AppConfig):
    name = "joinedup.access"
