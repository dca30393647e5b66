from django.apps import AppConfig


class SynthConfig(AppConfig):
    name = "joinedup.synth"
    label = "synth"
    verbose_name = "Synthetic local authority"
