from django.urls import path, re_path
from django.views.generic import RedirectView

from .problems import not_found, problem_response
from .views import api


def _no_such_operation(request, **kwargs):
    return problem_response(not_found())


urlpatterns = [
    path("", RedirectView.as_view(pattern_name="api-v1:openapi-view"), name="api_root"),
    path("", api.urls),
    # Anything else under /api/v1/ is answered in JSON too, not with the site's 404 page.
    re_path(r"^.*$", _no_such_operation),
]
