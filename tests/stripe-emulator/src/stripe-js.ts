// A stand-in for Stripe.js (js.stripe.com), served at STRIPE_JS_PATH, so embedded Checkout runs
// offline. It implements what @stripe/stripe-js and @stripe/react-stripe-js call for embedded
// Checkout: `Stripe(pk)` -> `createEmbeddedCheckoutPage(options)` (and `initEmbeddedCheckout`,
// its name before the 2026 release train) -> `{ mount, unmount, destroy }`. mount() puts this
// emulator's own Checkout page for the session in an iframe; when the buyer pays, that page posts
// EMBEDDED_COMPLETE and the stand-in sends the whole window to the session's return_url.
import { EMBEDDED_COMPLETE } from "./pages";

export const STRIPE_JS_PATH = "/js/v3";

export function stripeJs(origin: string): Response {
  const script = `(function () {
"use strict";
var ORIGIN = ${JSON.stringify(origin)};
var COMPLETE = ${JSON.stringify(EMBEDDED_COMPLETE)};
var SECRET = /^(cs_(?:test|live)_[A-Za-z0-9]+)_secret_[A-Za-z0-9]+$/;
function IntegrationError(message) {
  var e = new Error(message);
  e.name = "IntegrationError";
  return e;
}
function unsupported(name) {
  return function () {
    throw IntegrationError("The local Stripe emulator's Stripe.js implements embedded Checkout only, not " + name + "().");
  };
}
var live = null;
function Stripe(key) {
  if (typeof key !== "string" || !/^pk_(test|live)_/.test(key))
    throw IntegrationError("Invalid value for Stripe(): apiKey should be a publishable key (pk_test_...). You specified: " + String(key) + ".");
  function createEmbeddedCheckoutPage(options) {
    options = options || {};
    if (live) return Promise.reject(IntegrationError("You cannot have multiple Embedded Checkout objects."));
    if (!options.clientSecret === !options.fetchClientSecret)
      return Promise.reject(IntegrationError("initEmbeddedCheckout: You must provide one of either \`fetchClientSecret\` or \`clientSecret\`."));
    var instance = { destroyed: false };
    live = instance;
    var secret = options.clientSecret ? Promise.resolve(options.clientSecret) : Promise.resolve().then(options.fetchClientSecret);
    return secret.then(function (clientSecret) {
      var match = SECRET.exec(String(clientSecret));
      if (!match) throw IntegrationError("Invalid client secret: " + String(clientSecret));
      var frame = null;
      function onMessage(event) {
        if (!frame || event.origin !== ORIGIN || event.source !== frame.contentWindow) return;
        var data = event.data || {};
        if (data.type !== COMPLETE || data.session !== match[1]) return;
        if (typeof options.onComplete === "function") options.onComplete();
        window.location.assign(data.return_url);
      }
      function unmount() {
        if (!frame) return;
        window.removeEventListener("message", onMessage);
        frame.remove();
        frame = null;
      }
      return {
        mount: function (location) {
          if (instance.destroyed) throw IntegrationError("This Embedded Checkout has been destroyed.");
          var el = typeof location === "string" ? document.querySelector(location) : location;
          if (!el) throw IntegrationError("Embedded Checkout: no element to mount in (" + String(location) + ").");
          if (frame) throw IntegrationError("Embedded Checkout is already mounted.");
          frame = document.createElement("iframe");
          frame.name = "embedded-checkout";
          frame.title = "Secure checkout";
          frame.src = ORIGIN + "/c/pay/" + match[1] + "?client_secret=" + encodeURIComponent(clientSecret);
          frame.style.cssText = "width:100%;min-height:32rem;border:0;display:block";
          window.addEventListener("message", onMessage);
          el.appendChild(frame);
        },
        unmount: unmount,
        destroy: function () {
          unmount();
          instance.destroyed = true;
          if (live === instance) live = null;
        },
      };
    }).catch(function (e) {
      if (live === instance) live = null;
      throw e;
    });
  }
  return {
    createEmbeddedCheckoutPage: createEmbeddedCheckoutPage,
    initEmbeddedCheckout: createEmbeddedCheckoutPage,
    elements: unsupported("elements"),
    createToken: unsupported("createToken"),
    createPaymentMethod: unsupported("createPaymentMethod"),
    confirmCardPayment: unsupported("confirmCardPayment"),
    registerAppInfo: function () {},
    _registerWrapper: function () {},
  };
}
window.Stripe = Stripe;
})();
`;
  return new Response(script, {
    headers: { "content-type": "text/javascript; charset=utf-8", "cache-control": "no-store", "access-control-allow-origin": "*" },
  });
}
