from django.apps import AppConfig


class IndexConfig(AppConfig):
    name = "joinedup.index"
    label = "index"
    verbose_name = "Children's index"
