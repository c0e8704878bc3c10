import { type MetaFunction } from "@remix-run/cloudflare";
import { Link } from "@remix-run/react";

export const meta: MetaFunction = () => [
  { title: "Gatehouse · Licences and entitlements for your SaaS" },
  { name: "description", content: "Sell seats and courses through Stripe; Gatehouse decides who gets in." },
];

export default function Index() {
  return (
    <section className="card">
      <h1>Licences and entitlements, paid for first</h1>
      <p>
        Gatehouse sells <strong>Organization</strong>, a per-seat subscription, and <strong>Accelerator</strong>, a one-time course that
        comes with a 30-day Organization trial. Access follows what Stripe has confirmed, and nothing else.
      </p>
      <p>
        <Link to="/pricing" className="button">
          See pricing
        </Link>
      </p>
    </section>
  );
}
