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
  useRouteError,
  useRouteLoaderData,
} from "@remix-run/react";
import { type ReactNode, useEffect } from "react";
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

export async function loader({ request, context }: LoaderFunctionArgs) {
  const session = await context.session();
  if (!session) return { viewer: null };
  // The nav only reflects access; every gated loader and action checks it again for itself.
  const access = await requireAccess(context, request);
  return {
    viewer: {
      email: session.user.email,
      isSystemAdmin: session.user.isSystemAdmin,
      canSeeAccelerator: holdsFeature(access, "accelerator.course"),
    },
  };
}

function Nav() {
  const data = useRouteLoaderData<typeof loader>("root");
  const viewer = data?.viewer ?? null;
  return (
    <header className="site-header">
      <nav aria-label="Main" className="container nav">
        <Link to="/" className="brand">
          Gatehouse
        </Link>
        <ul>
          <li>
            <NavLink to="/pricing">Pricing</NavLink>
          </li>
          {viewer ? (
            <>
              <li>
                <NavLink to="/dashboard">Dashboard</NavLink>
              </li>
              {viewer.canSeeAccelerator ? (
                <li>
                  <NavLink to="/accelerator">Accelerator</NavLink>
                </li>
              ) : null}
              {viewer.isSystemAdmin ? (
                <li>
                  <NavLink to="/admin">Admin</NavLink>
                </li>
              ) : null}
              <li>
                <NavLink to="/account">Account</NavLink>
              </li>
              <li className="nav-user" aria-label="Signed in as">
                {viewer.email}
              </li>
              <li>
                <Form method="post" action="/logout">
                  <button type="submit" className="link-button">
                    Log out
                  </button>
                </Form>
              </li>
            </>
          ) : (
            <>
              <li>
                <NavLink to="/login">Log in</NavLink>
              </li>
              <li>
                <NavLink to="/signup" className="button button-small">
                  Sign up
                </NavLink>
              </li>
            </>
          )}
        </ul>
      </nav>
    </header>
  );
}

export function Layout({ children }: { children: ReactNode }) {
  const nonce = useNonce();
  return (
    <html lang="en">
      <head>
        <meta charSet="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <Meta />
        <Links />
      </head>
      <body>
        <a className="skip-link" href="#main">
          Skip to content
        </a>
        <Nav />
        <main id="main" className="container">
          <PlanPending />
          {children}
        </main>
        <ScrollRestoration nonce={nonce} />
        <Scripts nonce={nonce} />
      </body>
    </html>
  );
}

export default function App() {
  // Set once React has hydrated the page: until then a click can land on server HTML with no
  // handlers. Browser tests wait for it (tests/e2e/browser.ts) instead of for network silence.
  useEffect(() => {
    document.documentElement.dataset.hydrated = "true";
  }, []);
  return <Outlet />;
}

export function ErrorBoundary() {
  const error = useRouteError();
  if (isRouteErrorResponse(error)) {
    const message =
      typeof error.data === "object" && error.data && "message" in error.data
        ? String((error.data as { message: unknown }).message)
        : typeof error.data === "string"
          ? error.data
          : error.statusText;
    return (
      <section className="card">
        <h1>
          {error.status} {error.statusText}
        </h1>
        <p>{message}</p>
        <p>
          <Link to="/">Go to the home page</Link>
        </p>
      </section>
    );
  }
  return (
    <section className="card">
      <h1>Something went wrong</h1>
      <p>We could not complete that request. Please try again in a moment.</p>
    </section>
  );
}
