import { Form, isRouteErrorResponse, Link, useRouteError } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { type MessageI18n } from "../domain/errors";
import { translateMessage } from "../i18n/messages";
import { SubmitButton } from "./submit-button";

type Locked = {
  locked: true;
  product: { key: string; name: string; kind: string } | null;
  reason: string | null;
  message: string;
  i18n?: MessageI18n;
};

const isLocked = (d: unknown): d is Locked => typeof d === "object" && d !== null && (d as Locked).locked === true;

/** The 403 page for gated content: what is missing, and a way to get it. No protected data. */
export function LockedBoundary() {
  const { t } = useTranslation();
  const error = useRouteError();
  if (isRouteErrorResponse(error) && error.status === 403 && isLocked(error.data)) {
    const { product, reason, message, i18n } = error.data;
    // Buying again fixes neither a paused plan (it needs a payment method) nor the kill switch, nor a missing role.
    const canBuy = product !== null && reason !== "paused" && reason !== "switched_off" && reason !== "needs_manager";
    const name = product?.name ?? t("locked.thisPage");
    return (
      <section className="card narrow" aria-labelledby="locked-title">
        <h1 id="locked-title">{t("locked.title", { name })}</h1>
        <p>{translateMessage(t, message, i18n)}</p>
        {canBuy ? (
          <Form method="post" action="/pricing">
            <input type="hidden" name="product" value={product.key} />
            <SubmitButton pendingLabel={t("locked.starting")}>
              {t(product.kind === "one_time" ? "locked.enroll" : "locked.upgrade", { name })}
            </SubmitButton>
          </Form>
        ) : null}
        <p>
          <Link to="/dashboard">{t("locked.back")}</Link>
        </p>
      </section>
    );
  }
  if (isRouteErrorResponse(error)) {
    return (
      <section className="card narrow">
        <h1>
          {error.status} {t(`error.status.${error.status}`, { defaultValue: error.statusText || t("locked.notFound") })}
        </h1>
        <p>{typeof error.data === "string" ? translateMessage(t, error.data) : t("locked.noPage")}</p>
        <Link to="/">{t("error.home")}</Link>
      </section>
    );
  }
  throw error;
}
