import { useNavigation } from "@remix-run/react";
import { type ButtonHTMLAttributes, type ReactNode, useEffect, useRef, useState } from "react";

type Navigation = ReturnType<typeof useNavigation>;

/** Is this button's own form the submission in flight (same action, its fields and this button's name=value)? */
function isMine(button: HTMLButtonElement | null, navigation: Navigation): boolean {
  const form = button?.form;
  if (!button || !form || !navigation.formData || !navigation.formAction) return false;
  if (new URL(form.action, window.location.href).pathname !== new URL(navigation.formAction, window.location.href).pathname) return false;
  const fields = new FormData(form);
  if (button.name) fields.set(button.name, button.value);
  for (const [name, value] of fields) if (typeof value === "string" && navigation.formData.get(name) !== value) return false;
  return true;
}

/**
 * The one submit button: while its form is submitting it shows `pendingLabel`, and while any form
 * submission is in flight it is disabled, so a payment or seat change cannot be sent twice (the
 * server is idempotent as well). `reloadDocument` forms (a plain browser POST that leaves the page,
 * e.g. to Stripe) stay pending from their submit event until the page goes.
 */
export function SubmitButton({
  children,
  pendingLabel,
  reloadDocument,
  className = "button",
  disabled,
  ...rest
}: Omit<ButtonHTMLAttributes<HTMLButtonElement>, "type"> & { pendingLabel: ReactNode; reloadDocument?: boolean }) {
  const ref = useRef<HTMLButtonElement>(null);
  const navigation = useNavigation();
  const [sent, setSent] = useState(false);
  useEffect(() => {
    const form = ref.current?.form;
    if (!reloadDocument || !form) return;
    const onSubmit = (e: SubmitEvent) => {
      // Only when this button sent it (a form may hold several), after the browser took the form's data.
      if (!e.submitter || e.submitter === ref.current) setTimeout(() => setSent(true));
    };
    // Back from the next page (bfcache): the button works again.
    const onShow = (e: PageTransitionEvent) => {
      if (e.persisted) setSent(false);
    };
    form.addEventListener("submit", onSubmit);
    window.addEventListener("pageshow", onShow);
    return () => {
      form.removeEventListener("submit", onSubmit);
      window.removeEventListener("pageshow", onShow);
    };
  }, [reloadDocument]);
  // A submission in flight, or the revalidation that follows it (GET forms are plain navigations).
  const submitting =
    navigation.state === "submitting" || (navigation.state === "loading" && (navigation.formMethod ?? "GET").toUpperCase() !== "GET");
  // A page that posts this form with a fetcher instead (disabling the button meanwhile) gets it back when that ends.
  const [wasDisabled, setWasDisabled] = useState(Boolean(disabled));
  if (wasDisabled !== Boolean(disabled)) {
    setWasDisabled(Boolean(disabled));
    if (!disabled) setSent(false);
  }
  const pending = sent || (submitting && isMine(ref.current, navigation));
  return (
    <button
      ref={ref}
      type="submit"
      className={className}
      disabled={disabled || sent || submitting}
      aria-busy={pending || undefined}
      {...rest}
    >
      {pending ? pendingLabel : children}
    </button>
  );
}
