from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "joinedup.api"
    label = "partner_api"
    verbose_name = "Partner API"
