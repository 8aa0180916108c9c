"use strict";
// Shows what the server knows; only Stripe's webhook marks the order paid.
(function () {
  var box = document.getElementById("order-complete");
  if (box.dataset.status !== "pending_payment") return;
  var label = box.querySelector("[data-testid=order-status]");
  var note = document.getElementById("status-note");
  var done = box.dataset.doneMessage;
  var slow = box.dataset.slowMessage;
  var tries = 0;
  function poll() {
    tries += 1;
    fetch(box.dataset.statusUrl, {credentials: "same-origin", cache: "no-store"})
      .then(function (r) { return r.json(); })
      .then(function (d) {
        label.textContent = d.status_label;
        label.className = "status status-" + d.status;
        if (d.status === "pending_payment") {
          if (tries === 60) { note.textContent = slow; }
          setTimeout(poll, tries < 30 ? 1000 : 5000);
        } else {
          note.textContent = done;
        }
      })
      .catch(function () { setTimeout(poll, 5000); });
  }
  poll();
})();
