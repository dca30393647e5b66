// The job page follows its job: every three seconds it asks how far the job has got, and when the
// job has finished it reloads to show the result and any rejects. Without JavaScript the page's
// "Check again" link does the same.
const region = document.getElementById("job-progress");

function show(name, text) {
  const element = region.querySelector(`[data-job="${name}"]`);
  if (element && element.textContent !== text) element.textContent = text;
}

async function follow() {
  const response = await fetch(region.dataset.progressUrl, { headers: { Accept: "application/json" } });
  if (!response.ok) return;
  const job = await response.json();
  if (job.finished) {
    window.location.reload();
    return;
  }
  show("status", job.status);
  show("message", job.message ? `: ${job.message}` : "");
  show("count", job.total ? `${job.done.toLocaleString("en-GB")} of ${job.total.toLocaleString("en-GB")}` : "not counted yet");
  const bar = document.getElementById("job-bar");
  bar.max = job.total || 1;
  bar.value = job.total ? job.done : 0;
  setTimeout(follow, 3000);
}

if (region && region.dataset.finished === "false") setTimeout(follow, 3000);
