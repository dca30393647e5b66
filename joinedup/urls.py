from django.urls import include, path

urlpatterns = [
    path("", include("joinedup.web.urls")),
    path("index/review/", include("joinedup.index.review.urls")),
    path("index/", include("joinedup.index.urls")),
    path("self-evaluation/", include("joinedup.selfeval.urls")),
    path("casework/", include("joinedup.casework.urls")),
    path("evidence/", include("joinedup.evidence.urls")),
    path("jobs/", include("joinedup.jobs.urls")),
    # The partner API, versioned in its path (docs/api.md).
    path("api/v1/", include("joinedup.api.urls")),
]

handler403 = "joinedup.web.views.error_403"
handler404 = "joinedup.web.views.error_404"
handler500 = "joinedup.web.views.error_500"
