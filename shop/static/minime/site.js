// Behaviour shared by every page (the Content-Security-Policy allows no inline scripts).
"use strict";
// A select with data-autosubmit (the language switch) submits its form when changed.
document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
  select.addEventListener("change", function () { select.form.submit(); });
});
// A refused form is announced: its error lists become alerts, and the keyboard focus moves
// to the first field in error (its aria-describedby reads the error out) or, for an error of
// the whole form, to that error itself.
(function () {
  var errors = document.querySelectorAll("main .errorlist");
  if (!errors.length) { return; }
  errors.forEach(function (list) { list.setAttribute("role", "alert"); });
  var field = document.querySelector("main [aria-invalid=true]");
  var target = field || errors[0];
  if (!field) { target.setAttribute("tabindex", "-1"); }
  target.focus();
})();
