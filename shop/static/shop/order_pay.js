// The pay page: Stripe.js's card Element (config from the json_script #stripe-config), then
// confirmCardPayment, or localstripe's development bridge (config.confirmUrl).
"use strict";
(function () {
  var config = JSON.parse(document.getElementById("stripe-config").textContent);
  var form = document.getElementById("payment-form");
  var button = document.getElementById("pay-button");
  var errors = document.getElementById("card-errors");
  var fallback = form.dataset.fallbackMessage;
  var stripe = Stripe(config.publishableKey);
  var card = stripe.elements().create("card");
  card.mount("#card-element");
  button.disabled = false;
  function failed(message) {
    errors.textContent = message || fallback;
    button.disabled = false;  // retry with another card
  }
  if (config.confirmUrl) {
    // Development bridge, only with localstripe (MINIME_STRIPE_API_BASE): its stand-in
    // Stripe.js cannot confirm a card payment, so the card is tokenized here and the server
    // confirms the PaymentIntent (shop.views.order_pay_confirm). 3-D Secure still runs in
    // the browser through confirmCardPayment, as with real Stripe.js.
    var csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;
    var done = function () { window.location.assign(form.dataset.completeUrl); };
    var settled = {succeeded: true, processing: true, requires_capture: true};
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      button.disabled = true;
      errors.textContent = "";
      stripe.createToken(card).then(function (result) {
        if (result.error || !result.token) {
          var error = result.error;
          failed(error && !(error instanceof Error) ? error.message : "");
          return;
        }
        return fetch(config.confirmUrl, {
          method: "POST",
          credentials: "same-origin",
          headers: {"X-CSRFToken": csrf, "Accept": "application/json"},
          body: new URLSearchParams({token: result.token.id})
        }).then(function (response) {
          return response.json();
        }).then(function (data) {
          if (data.status === "requires_action") {
            return stripe.confirmCardPayment(data.client_secret).then(function (auth) {
              var intent = auth.paymentIntent;
              if (!auth.error && intent && settled[intent.status]) {
                done();
              } else {
                failed((auth.error && auth.error.message) ||
                       (intent && intent.last_payment_error && intent.last_payment_error.message));
              }
            });
          }
          if (!data.error && settled[data.status]) {
            done();
          } else {
            failed(data.error);
          }
        });
      }).catch(function () { failed(""); });
    });
    return;
  }
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    button.disabled = true;
    errors.textContent = "";
    stripe.confirmCardPayment(config.clientSecret, {
      payment_method: {card: card, billing_details: {name: config.name, email: config.email}}
    }).then(function (result) {
      if (result.error) {
        errors.textContent = result.error.message || fallback;
        button.disabled = false;  // retry with another card
      } else {
        window.location.assign(form.dataset.completeUrl);
      }
    }, function () {
      errors.textContent = fallback;
      button.disabled = false;
    });
  });
})();
