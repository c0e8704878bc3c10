import { type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/cloudflare";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { z } from "zod";
import { NO_SEAT } from "../domain/seats/rules";
import { invitationsFor, respondToInvitation } from "../domain/tenants/members.server";
import { requireSession } from "../infra/auth/guards.server";
import { runAction } from "../infra/http/action-result.server";
import { parseWith, readForm } from "../infra/http/responses.server";
import { FormMessage } from "../components/field";
import { SubmitButton } from "../components/submit-button";

export const meta: MetaFunction = () => [{ title: "Invitations · Gatehouse" }];

// Invitations addressed to the signed-in user's email, and nobody else's.
export async function loader({ request, context }: LoaderFunctionArgs) {
  const { user } = await requireSession(context, request);
  return {
    emailVerified: user.emailVerified,
    invitations: await invitationsFor({ db: context.db, email: user.email, emailVerified: user.emailVerified }),
  };
}

const Respond = z.object({ invitationId: z.string().trim().min(1).max(64), intent: z.enum(["accept", "decline"]) });

export async function action({ request, context }: ActionFunctionArgs) {
  const { user } = await requireSession(context, request);
  return runAction(async () => {
    const input = parseWith(Respond, await readForm(request));
    const r = await respondToInvitation({
      db: context.db,
      allocators: context.seats,
      user,
      invitationId: input.invitationId,
      accept: input.intent === "accept",
      now: context.now(),
    });
    if (!r.joined) return `Invitation from ${r.tenantName} declined.`;
    if (r.seat?.assigned) return `You are now a member of ${r.tenantName}, with a seat.`;
    if (r.seat) return `You are now a member of ${r.tenantName} (${r.seat.why}). ${NO_SEAT} An owner or admin of ${r.tenantName} can.`;
    return `You are now a member of ${r.tenantName}.`;
  }, "Done.");
}

export default function Invitations() {
  const { invitations, emailVerified } = useLoaderData<typeof loader>();
  const result = useActionData<{ ok: boolean; message: string }>();
  return (
    <section className="card">
      <h1>Invitations</h1>
      <FormMessage result={result}>
        {result?.ok ? (
          <>
            {" "}
            <Link to="/dashboard">Go to your dashboard</Link>
          </>
        ) : null}
      </FormMessage>
      {!emailVerified ? (
        <p className="notice">
          Invitations are addressed to an email address. Verify yours to see and accept them: open the link we sent you, or{" "}
          <Link to="/account">send it again</Link>.
        </p>
      ) : invitations.length === 0 ? (
        <p>You have no open invitations.</p>
      ) : null}
      <ul>
        {invitations.map((i) => (
          <li key={i.id} data-testid={`invitation-${i.tenantName}`}>
            <strong>{i.tenantName}</strong> invited you as {i.role === "admin" ? "an admin" : "a member"}.
            <Form method="post" className="inline-form">
              <input type="hidden" name="invitationId" value={i.id} />
              <SubmitButton name="intent" value="accept" className="button button-small" pendingLabel="Accepting...">
                Accept
              </SubmitButton>
              <SubmitButton name="intent" value="decline" className="button button-small button-secondary" pendingLabel="Declining...">
                Decline
              </SubmitButton>
            </Form>
          </li>
        ))}
      </ul>
    </section>
  );
}
