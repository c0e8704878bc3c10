import { EmbeddedCheckout, EmbeddedCheckoutProvider } from "@stripe/react-stripe-js";
import { type Stripe } from "@stripe/stripe-js";
// "pure": nothing is loaded on import, only when a buyer chooses to pay on the page.
import { loadStripe } from "@stripe/stripe-js/pure";
import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";

let stripeJs: Promise<Stripe | null> | null = null;

/**
 * Stripe.js for `publishableKey`, once per page: from js.stripe.com as @stripe/stripe-js loads it
 * (the version that matches its types), or from `scriptUrl` when STRIPE_JS_URL is set (the local
 * emulator's stand-in, which puts the same `Stripe` constructor on window).
 */
function loadStripeJs(publishableKey: string, scriptUrl: string): Promise<Stripe | null> {
  if (!stripeJs) {
    const loading = scriptUrl ? injectScript(scriptUrl).then(() => window.Stripe?.(publishableKey) ?? null) : loadStripe(publishableKey);
    // A failed load may be tried again (the next choice of "Pay on this page").
    loading.catch(() => {
      if (stripeJs === loading) stripeJs = null;
    });
    stripeJs = loading;
  }
  return stripeJs;
}

function injectScript(src: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const script = document.createElement("script");
    script.src = src;
    script.async = true;
    script.onload = () => resolve();
    script.onerror = () => {
      script.remove();
      reject(new Error(`Stripe.js did not load from ${src}`));
    };
    document.head.appendChild(script);
  });
}

/** Stripe's Checkout for one session, mounted in the page; paying sends the window to the session's return_url. */
export function EmbeddedStripeCheckout(props: { publishableKey: string; stripeJsUrl: string; clientSecret: string }) {
  const { t } = useTranslation();
  const [stripe] = useState(() => loadStripeJs(props.publishableKey, props.stripeJsUrl));
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    let live = true;
    stripe.then(
      (s) => live && !s && setFailed(true),
      () => live && setFailed(true),
    );
    return () => {
      live = false;
    };
  }, [stripe]);
  if (failed) {
    return (
      <p className="form-error" role="alert">
        {t("checkout.failed")}
      </p>
    );
  }
  return (
    <EmbeddedCheckoutProvider stripe={stripe} options={{ clientSecret: props.clientSecret }}>
      <EmbeddedCheckout id="embedded-checkout" />
    </EmbeddedCheckoutProvider>
  );
}
