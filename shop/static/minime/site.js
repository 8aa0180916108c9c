// Behaviour shared by every page (the Content-Security-Policy allows no inline scripts).
"use strict";
// A select with data-autosubmit (the language switch) submits its form when changed.
document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
  select.addEventListener("change", function () { select.form.submit(); });
});
