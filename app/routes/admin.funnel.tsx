import { type LoaderFunctionArgs } from "@remix-run/cloudflare";
import { useLoaderData } from "@remix-run/react";
import { FUNNEL_EVENTS } from "../domain/analytics/funnel";
import { funnelByDay } from "../domain/analytics/funnel.server";
import { requireSystemAdmin } from "../infra/auth/admin-guard.server";
import { useTranslation } from "react-i18next";
import { useAdminFormat } from "../components/admin";

export const handle = { i18n: ["admin"] };

export async function loader({ context }: LoaderFunctionArgs) {
  await requireSystemAdmin(context);
  return { days: await funnelByDay({ db: context.db, days: 30, now: context.now() }) };
}

const COLORS = ["#3b3bd6", "#1e7b34", "#b36b00", "#b3261e", "#6b3bb3"];

// A server-rendered line chart: one polyline per event, 30 days on the x axis.
function Chart({ days }: { days: { day: number; counts: Record<string, number> }[] }) {
  const { t } = useTranslation("admin");
  const f = useAdminFormat();
  const W = 720;
  const H = 240;
  const pad = 30;
  const max = Math.max(1, ...days.flatMap((d) => Object.values(d.counts)));
  const x = (i: number) => pad + (i * (W - 2 * pad)) / Math.max(1, days.length - 1);
  const y = (v: number) => H - pad - (v * (H - 2 * pad)) / max;
  return (
    <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-labelledby="funnel-title funnel-desc" width="100%">
      <title id="funnel-title">{t("funnel.chartTitle")}</title>
      <desc id="funnel-desc">{t("funnel.chartDesc")}</desc>
      <line x1={pad} y1={H - pad} x2={W - pad} y2={H - pad} stroke="#888" />
      <line x1={pad} y1={pad} x2={pad} y2={H - pad} stroke="#888" />
      <text x={4} y={pad} fontSize="11">
        {f.number(max)}
      </text>
      {FUNNEL_EVENTS.map((name, k) => (
        // Earlier series are drawn wider, so where counts are equal each shows as an edge of the next.
        <polyline
          key={name}
          fill="none"
          stroke={COLORS[k]}
          strokeWidth={1.5 + 1.25 * (FUNNEL_EVENTS.length - 1 - k)}
          strokeLinejoin="round"
          points={days.map((d, i) => `${x(i)},${y(d.counts[name] ?? 0)}`).join(" ")}
        />
      ))}
    </svg>
  );
}

export default function AdminFunnel() {
  const { days } = useLoaderData<typeof loader>();
  const recent = days.slice(-7).reverse();
  const { t } = useTranslation("admin");
  const f = useAdminFormat();
  // Event names are codes; their labels are the page's words.
  const label = (name: string) => t(`funnel.events.${name}`, { defaultValue: name });
  return (
    <section className="card">
      <h2>{t("funnel.title")}</h2>
      <Chart days={days} />
      <ul className="legend">
        {FUNNEL_EVENTS.map((name, k) => (
          <li key={name} style={{ color: COLORS[k] }}>
            <span aria-hidden="true">■</span> <span style={{ color: "var(--fg)" }}>{label(name)}</span>
          </li>
        ))}
      </ul>
      <table className="data-table">
        <caption>{t("funnel.last7")}</caption>
        <thead>
          <tr>
            <th scope="col">{t("funnel.day")}</th>
            {FUNNEL_EVENTS.map((n) => (
              <th scope="col" key={n}>
                {label(n)}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {recent.map((d) => (
            <tr key={d.day} data-testid="funnel-day">
              <td>
                <time dateTime={new Date(d.day).toISOString().slice(0, 10)}>{f.date(d.day)}</time>
              </td>
              {FUNNEL_EVENTS.map((n) => (
                <td key={n}>{f.number(d.counts[n] ?? 0)}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
