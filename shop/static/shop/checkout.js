// Re-price the summary when the country changes (the server computes VAT and shipping).
"use strict";
(function () {
  var form = document.getElementById("checkout-form");
  if (!form) return;
  var country = document.getElementById(form.dataset.countryField);
  var refresh = document.getElementById("refresh-summary");
  if (!country || !refresh) return;
  refresh.style.display = "none";  // CSSOM, not a style attribute: the policy allows it
  country.addEventListener("change", function () { refresh.click(); });
  document.querySelectorAll("input[name=shipping_method]").forEach(function (radio) {
    radio.addEventListener("change", function () { refresh.click(); });
  });
})();
