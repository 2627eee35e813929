// Polls the export's status until its file is ready (or it failed), showing the rows so far.
(function () {
  'use strict';
  var box = document.getElementById('job');
  if (!box) return;
  var status = document.getElementById('job-status');
  var bar = document.getElementById('job-progress');
  var link = document.getElementById('job-download');

  function poll() {
    fetch(box.dataset.statusUrl, { credentials: 'same-origin' })
      .then(function (r) { return r.json(); })
      .then(function (job) {
        status.textContent = job.words;
        box.dataset.status = job.status;
        if (job.status === 'done' || job.status === 'failed') {
          bar.hidden = true;
          link.hidden = !(job.status === 'done' && job.available);
          return;
        }
        setTimeout(poll, 1000);
      })
      .catch(function () { setTimeout(poll, 3000); });
  }
  if (box.dataset.status !== 'done' && box.dataset.status !== 'failed') poll();
})();
