from django.apps import AppConfig


class SelfevalConfig(AppConfig):
    name = "joinedup.selfeval"
    label = "selfeval"
    verbose_name = "Self-evaluation toolkit"
