import { type LoaderFunctionArgs, type MetaFunction } from "@remix-run/cloudflare";
import { Link } from "@remix-run/react";
import { cancelIntent } from "../domain/billing/intents.server";
import { requireSession } from "../infra/auth/guards.server";
import { runLoader } from "../infra/http/action-result.server";

export const meta: MetaFunction = () => [{ title: "Checkout canceled · Gatehouse" }];

// Stripe's cancel_url: the open Checkout Session is expired so the old link cannot be paid later.
export async function loader({ request, context }: LoaderFunctionArgs) {
  const { user } = await requireSession(context, request);
  const intentId = new URL(request.url).searchParams.get("intent") ?? "";
  const intent = /^int_[0-9a-z]{20}$/.test(intentId)
    ? await runLoader(() => cancelIntent({ db: context.db, gateway: context.billing(), intentId, userId: user.id, now: context.now() }))
    : null;
  if (!intent) throw new Response("No such purchase.", { status: 404 });
  return { state: intent.state };
}

export default function CheckoutCancel() {
  return (
    <section className="card narrow">
      <h1>Checkout canceled</h1>
      <p>No payment was taken. Whenever you are ready, you can pick a plan again.</p>
      <Link to="/pricing" className="button">
        Back to pricing
      </Link>
    </section>
  );
}
