"""The one task the worker runs: an attempt at a job. Its argument is the job's id, so what the
queue holds names no child and no file."""

from django_tasks import task

from . import services


@task()
def run_job(job_id: int) -> dict:
    return services.run_job(job_id=job_id)
