from django.apps import AppConfig


class EvidenceConfig(AppConfig):
    name = "joinedup.evidence"
    label = "evidence"
    verbose_name = "Evidence of impact"
