from django.apps import AppConfig


class ReviewConfig(AppConfig):
    name = "joinedup.index.review"
    label = "index_review"
    verbose_name = "Children's index: clerical review"
