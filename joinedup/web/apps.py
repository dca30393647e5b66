from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "joinedup.web"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from .middleware import stamp_sign_in

        user_logged_in.connect(stamp_sign_in, dispatch_uid="joinedup.web.stamp_sign_in")
