// The design page's live progress (#progress, data-status-url): polls the job status, adds
// renders as they arrive and reloads the page when the job has finished.
"use strict";
(function () {
  var box = document.getElementById("progress");
  if (!box) return;
  var url = box.dataset.statusUrl;
  function poll() {
    fetch(url, {credentials: "same-origin", cache: "no-store"}).then(function (r) { return r.json(); }).then(function (d) {
      box.querySelector("progress").value = d.percent;
      box.querySelector(".step").textContent = d.step;
      box.querySelector(".total").textContent = d.total || "\u2026";
      box.querySelector(".status-label").textContent = d.status_label;
      var grid = box.querySelector(".live-renders");
      (d.renders || []).slice(grid.children.length).forEach(function (src) {
        var fig = document.createElement("figure");
        fig.className = "render";
        fig.setAttribute("data-testid", "live-render");
        var label = document.createElement("span");
        label.className = "ai-label";
        label.textContent = grid.dataset.aiLabel;
        var img = document.createElement("img");
        img.src = src;
        img.alt = "";
        fig.appendChild(label);
        fig.appendChild(img);
        grid.appendChild(fig);
      });
      if (d.status === "queued" || d.status === "running") { setTimeout(poll, 300); }
      else { window.location.reload(); }
    }).catch(function () { setTimeout(poll, 1500); });
  }
  poll();
})();
