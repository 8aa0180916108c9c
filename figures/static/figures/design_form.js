// The design form (figures/design_new.html): moves focus to the error summary, keeps "a new
// photo" and an earlier photo exclusive, counts characters and shows the print checks of the
// texts as the customer types (POST to data-text-check-url, answered by the same checks the
// server runs on submit; the submit decides).
"use strict";
(function () {
  var form = document.querySelector("form[data-text-check-url]");
  if (!form) return;

  var summary = document.querySelector("[data-error-summary]");
  if (summary) {
    summary.focus();
    summary.addEventListener("click", function (event) {
      var link = event.target.closest("a[href^='#']");
      var target = link && document.getElementById(link.getAttribute("href").slice(1));
      if (!target) return;
      event.preventDefault();
      var focusable = target.matches("input, select, textarea") ? target : target.querySelector("input, select, textarea");
      (focusable || target).focus();
      target.scrollIntoView({block: "center"});
    });
  }

  var file = form.querySelector("input[type=file][name=photo]");
  var earlier = form.querySelectorAll("input[type=radio][name=existing_photo]");
  if (file && earlier.length) {
    file.addEventListener("change", function () {
      if (!file.files.length) return;
      earlier.forEach(function (radio) { radio.checked = radio.value === ""; });
    });
    earlier.forEach(function (radio) {
      radio.addEventListener("change", function () { if (radio.checked && radio.value !== "") file.value = ""; });
    });
  }

  var countTemplate = form.dataset.countTemplate || "%(count)s / %(max)s";
  var lives = Array.prototype.slice.call(form.querySelectorAll("[data-live-for]"));
  var inputs = lives.map(function (live) { return document.getElementById(live.dataset.liveFor); }).filter(Boolean);

  function describe(input, id) {
    var ids = (input.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
    if (ids.indexOf(id) < 0) ids.push(id);
    input.setAttribute("aria-describedby", ids.join(" "));
  }

  function count(input) {
    var max = parseInt(input.getAttribute("maxlength"), 10);
    if (!max) return;
    var counter = document.getElementById(input.id + "_count");
    if (!counter) {
      counter = document.createElement("span");
      counter.className = "char-count";
      counter.id = input.id + "_count";
      document.getElementById(input.id + "_live").before(counter);
      describe(input, counter.id);
    }
    var length = Array.from(input.value).length;
    counter.textContent = countTemplate.replace("%(count)s", length).replace("%(max)s", max);
    counter.classList.toggle("at-limit", length >= max);
  }

  var sent = 0;
  var timer = null;
  function check() {
    var body = new FormData();
    body.append("csrfmiddlewaretoken", form.querySelector("[name=csrfmiddlewaretoken]").value);
    inputs.forEach(function (input) { body.append(input.name, input.value); });
    var mine = ++sent;
    fetch(form.dataset.textCheckUrl, {method: "POST", body: body, credentials: "same-origin", cache: "no-store"})
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (answer) {
        if (!answer || mine !== sent) return;  // a later check is on its way
        inputs.forEach(function (input) {
          var messages = answer.errors[input.name] || [];
          document.getElementById(input.id + "_live").textContent = messages.join(" ");
          if (messages.length) input.setAttribute("aria-invalid", "true");
          else if (input.dataset.edited) input.removeAttribute("aria-invalid");
        });
      })
      .catch(function () { /* offline: the submit still checks everything */ });
  }

  inputs.forEach(function (input) {
    describe(input, input.id + "_live");
    if (input.value) count(input);
    input.addEventListener("input", function () {
      // The message from the last submit no longer describes what is typed now.
      if (!input.dataset.edited) {
        input.dataset.edited = "1";
        var stale = document.getElementById(input.id + "_error");
        if (stale) {
          stale.hidden = true;
          var ids = (input.getAttribute("aria-describedby") || "").split(" ");
          input.setAttribute("aria-describedby", ids.filter(function (id) { return id && id !== stale.id; }).join(" "));
        }
      }
      count(input);
      clearTimeout(timer);
      timer = setTimeout(check, 250);
    });
  });
})();
