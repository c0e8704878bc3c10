import { type LoaderFunctionArgs, type MetaFunction } from "@remix-run/cloudflare";
import { Link, useLoaderData, useRevalidator } from "@remix-run/react";
import { useEffect, useState } from "react";
import { getIntentForBuyer } from "../domain/billing/intents.server";
import { requireSession } from "../infra/auth/guards.server";

export const meta: MetaFunction = () => [{ title: "Payment · Gatehouse" }];

const POLL_MS = 2_000;
const PATIENCE_MS = 60_000;

// Arriving here proves nothing: the page only reads the intent, which the verified webhook moves.
export async function loader({ request, context }: LoaderFunctionArgs) {
  const { user } = await requireSession(context, request);
  const intentId = new URL(request.url).searchParams.get("intent") ?? "";
  const intent = /^int_[0-9a-z]{20}$/.test(intentId) ? await getIntentForBuyer({ db: context.db, intentId, userId: user.id }) : null;
  if (!intent) throw new Response("No such purchase.", { status: 404 });
  return { intent };
}

/**
 * "Try again" opens a new Checkout for the same plan, interval and seats (the old session is spent);
 * a product no longer sold through Checkout (unpublished, or an add-on) is chosen again on the pricing page.
 */
function retryPath(intent: { product: { key: string; startable: boolean }; interval: "month" | "year" | null; quantity: number }): string {
  if (!intent.product.startable) return "/pricing";
  const q = new URLSearchParams({ plan: intent.product.key, interval: intent.interval ?? "month", seats: String(intent.quantity) });
  return `/checkout/start?${q}`;
}

export default function CheckoutReturn() {
  const { intent } = useLoaderData<typeof loader>();
  const { revalidate, state } = useRevalidator();
  const [waitedTooLong, setWaitedTooLong] = useState(false);
  const done = ["provisioned", "expired", "canceled", "failed"].includes(intent.state);

  // Until the intent settles, this page's loader runs again every POLL_MS (never two at once: a run
  // in flight stops the timer until it has answered); offline, a turn is skipped, not an error page.
  useEffect(() => {
    if (done || state !== "idle") return;
    const timer = setInterval(() => {
      if (navigator.onLine) revalidate();
    }, POLL_MS);
    return () => clearInterval(timer);
  }, [done, state, revalidate]);

  useEffect(() => {
    if (done) return;
    const timer = setTimeout(() => setWaitedTooLong(true), PATIENCE_MS);
    return () => clearTimeout(timer);
  }, [done]);

  if (intent.state === "provisioned") {
    return (
      <section className="card narrow" aria-live="polite">
        <h1>Payment confirmed</h1>
        <p>
          <strong>{intent.product.name}</strong> is unlocked for <strong>{intent.tenant?.name}</strong>
          {intent.product.seatBased ? ` with ${intent.quantity} seats` : ""}.
        </p>
        {intent.trial ? (
          <p>
            Your {intent.trial.days}-day {intent.trial.productName} trial has started too.
          </p>
        ) : null}
        <Link to="/dashboard" className="button">
          Go to your dashboard
        </Link>
      </section>
    );
  }
  if (done) {
    const failed = intent.state === "failed";
    return (
      <section className="card narrow" aria-live="polite">
        <h1>{failed ? "The payment failed" : "This checkout was not completed"}</h1>
        <p>
          {failed
            ? "Your bank did not confirm the payment, so nothing was charged and nothing was unlocked. You can pay again, with another payment method if you like."
            : "Nothing was charged for this checkout."}
        </p>
        <Link to={retryPath(intent)} className="button">
          Try again
        </Link>
      </section>
    );
  }
  return (
    <section className="card narrow" aria-live="polite" aria-busy="true">
      <h1>Processing payment...</h1>
      <p>We are waiting for Stripe to confirm your payment. This page updates by itself.</p>
      {waitedTooLong ? (
        <p className="notice" role="status">
          Stripe has not confirmed the payment yet. That can take a few minutes; we keep checking. You can also leave this page: your
          purchase appears on your dashboard as soon as it is confirmed.
        </p>
      ) : null}
    </section>
  );
}
