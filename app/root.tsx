import { type LinksFunction, type LoaderFunctionArgs } from "@remix-run/cloudflare";
import {
  Form,
  isRouteErrorResponse,
  Link,
  Links,
  Meta,
  NavLink,
  Outlet,
  Scripts,
  ScrollRestoration,
  useLoaderData,
  useLocation,
  useRouteError,
  useRouteLoaderData,
} from "@remix-run/react";
import { type ReactNode, useEffect } from "react";
import { useTranslation } from "react-i18next";
import { useChangeLanguage } from "remix-i18next/react";
import { DEFAULT_LOCALE, isLocale, LOCALE_NAMES, LOCALES, NAMESPACES, ROOT_NAMESPACES } from "./i18n/config";
import { routeErrorMessage, translateMessage } from "./i18n/messages";
import { useNonce } from "./components/nonce-provider";
import { PlanPending } from "./components/plan-pending";
import { requireAccess } from "./infra/auth/guards.server";
import { holdsFeature } from "./domain/entitlements/access";
import styles from "./styles/app.css?url";

// The icon is a static asset: without it every browser asks Remix for /favicon.ico, a 404 it logs as an error.
export const links: LinksFunction = () => [
  { rel: "stylesheet", href: styles },
  { rel: "icon", href: "/favicon.svg", type: "image/svg+xml" },
];

// The namespaces every page needs; a route lists its own in `handle.i18n` (loaded before hydration).
export const handle = { i18n: ROOT_NAMESPACES };

export async function loader({ request, context }: LoaderFunctionArgs) {
  const [session, locale] = await Promise.all([context.session(), context.locale()]);
  if (!session) return { viewer: null, locale };
  // The nav only reflects access; every gated loader and action checks it again for itself.
  const access = await requireAccess(context, request);
  return {
    locale,
    viewer: {
      email: session.user.email,
      isSystemAdmin: session.user.isSystemAdmin,
      canSeeAccelerator: holdsFeature(access, "accelerator.course"),
    },
  };
}

function Nav() {
  const { t } = useTranslation();
  const data = useRouteLoaderData<typeof loader>("root");
  const viewer = data?.viewer ?? null;
  return (
    <header className="site-header">
      <nav aria-label={t("nav.label")} className="container nav">
        {/* eslint-disable-next-line i18next/no-literal-string -- the product's name, the same in every language */}
        <Link to="/" className="brand">
          Gatehouse
        </Link>
        <ul>
          <li>
            <NavLink to="/pricing">{t("nav.pricing")}</NavLink>
          </li>
          {viewer ? (
            <>
              <li>
                <NavLink to="/dashboard">{t("nav.dashboard")}</NavLink>
              </li>
              {viewer.canSeeAccelerator ? (
                <li>
                  <NavLink to="/accelerator">{t("nav.accelerator")}</NavLink>
                </li>
              ) : null}
              {viewer.isSystemAdmin ? (
                <li>
                  <NavLink to="/admin">{t("nav.admin")}</NavLink>
                </li>
              ) : null}
              <li>
                <NavLink to="/account">{t("nav.account")}</NavLink>
              </li>
              <li className="nav-user" aria-label={t("nav.signedInAs")}>
                {viewer.email}
              </li>
              <li>
                <Form method="post" action="/logout">
                  <button type="submit" className="link-button">
                    {t("nav.logOut")}
                  </button>
                </Form>
              </li>
            </>
          ) : (
            <>
              <li>
                <NavLink to="/login">{t("nav.logIn")}</NavLink>
              </li>
              <li>
                <NavLink to="/signup" className="button button-small">
                  {t("nav.signUp")}
                </NavLink>
              </li>
            </>
          )}
        </ul>
      </nav>
    </header>
  );
}

/**
 * The footer's language switcher: plain buttons in a POST form, so it works without JavaScript; the
 * action (routes/language.ts) saves the choice and sends the visitor back to this page.
 */
function LanguageSwitcher({ current }: { current: string }) {
  const { t } = useTranslation();
  const location = useLocation();
  return (
    <Form method="post" action="/language" className="language-switcher" aria-labelledby="language-label">
      <input type="hidden" name="redirectTo" value={location.pathname + location.search} />
      <span id="language-label">{t("footer.language")}</span>
      {LOCALES.map((l) => (
        <button
          key={l}
          type="submit"
          name="locale"
          value={l}
          lang={l}
          className="link-button"
          aria-pressed={l === current}
          data-testid={`language-${l}`}
        >
          {LOCALE_NAMES[l]}
        </button>
      ))}
    </Form>
  );
}

export function Layout({ children }: { children: ReactNode }) {
  const nonce = useNonce();
  const { t, i18n } = useTranslation();
  const data = useRouteLoaderData<typeof loader>("root");
  // The root loader's answer; an error page without it keeps the language the request was rendered in.
  const locale = data?.locale ?? (isLocale(i18n.language) ? i18n.language : DEFAULT_LOCALE);
  return (
    <html lang={locale}>
      <head>
        <meta charSet="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <Meta />
        <Links />
      </head>
      <body>
        <a className="skip-link" href="#main">
          {t("skipToContent")}
        </a>
        <Nav />
        <main id="main" className="container">
          <PlanPending />
          {children}
        </main>
        <footer className="site-footer">
          <div className="container">
            <LanguageSwitcher current={locale} />
          </div>
        </footer>
        <ScrollRestoration nonce={nonce} />
        <Scripts nonce={nonce} />
      </body>
    </html>
  );
}

export default function App() {
  const { locale } = useLoaderData<typeof loader>();
  const { i18n } = useTranslation();
  // A new choice (the switcher's redirect reloads the root loader) switches the browser's i18next too.
  useChangeLanguage(locale);
  // The language's other pages' words, fetched after hydration, so later navigations need not wait for them.
  useEffect(() => {
    void i18n.loadNamespaces(NAMESPACES.filter((ns) => ns !== "email"));
  }, [i18n, locale]);
  return <Outlet />;
}

export function ErrorBoundary() {
  const { t } = useTranslation();
  const error = useRouteError();
  if (isRouteErrorResponse(error)) {
    return (
      <section className="card">
        <h1>
          {error.status} {t(`error.status.${error.status}`, { defaultValue: error.statusText })}
        </h1>
        <p>{routeErrorMessage(t, error.data) ?? translateMessage(t, error.statusText)}</p>
        <p>
          <Link to="/">{t("error.home")}</Link>
        </p>
      </section>
    );
  }
  return (
    <section className="card">
      <h1>{t("error.title")}</h1>
      <p>{t("error.body")}</p>
    </section>
  );
}
