import { Authenticator } from "remix-auth";
import { FormStrategy } from "remix-auth-form";
import { verifyLogin } from "../../domain/accounts/accounts.server";
import { LoginInput } from "../../domain/accounts/schemas";
import { type Db } from "../d1/db.server";
import { formToObject, parseWith } from "../http/responses.server";
import { type SessionUser } from "./session.server";

// remix-auth 4 keeps no session: authenticate() returns the user and we store the session ourselves.
// Built per request because the strategy needs this request's database.
export function createAuthenticator(deps: { db: Db }) {
  const authenticator = new Authenticator<SessionUser & { redirectTo?: string }>();
  authenticator.use(
    new FormStrategy(async ({ form }) => {
      const input = parseWith(LoginInput, formToObject(form));
      const user = await verifyLogin({ db: deps.db, email: input.email, password: input.password });
      return { ...user, redirectTo: input.redirectTo };
    }),
    "form",
  );
  return authenticator;
}
