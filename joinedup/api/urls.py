from functools import wraps

from django.urls import path, re_path
from django.views.generic import RedirectView

from .problems import MEDIA_TYPE, ApiProblem, not_found, problem_response
from .views import api


def _refusals_in_json(view):
    """django-ninja answers a method an address does not take with an HTML 405: answer it as every
    other refusal, a problem in JSON, keeping the Allow header."""

    @wraps(view)
    def answer(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        if response.status_code == 405 and not response.get("Content-Type", "").startswith(MEDIA_TYPE):
            allowed = response["Allow"]
            detail = f"This address answers {allowed} only"
            return problem_response(ApiProblem(405, "method_not_allowed", detail, headers={"Allow": allowed}))
        return response

    return answer


# (Not named app_name: include() would read that as this module's namespace.)
operations, operations_app, operations_namespace = api.urls
for operation in operations:
    operation.callback = _refusals_in_json(operation.callback)


def _no_such_operation(request, **kwargs):
    return problem_response(not_found())


urlpatterns = [
    path("", RedirectView.as_view(pattern_name="api-v1:openapi-view"), name="api_root"),
    path("", (operations, operations_app, operations_namespace)),
    # Anything else under /api/v1/ is answered in JSON too, not with the site's 404 page.
    re_path(r"^.*$", _no_such_operation),
]
