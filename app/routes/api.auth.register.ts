// The MVP plan's name for JSON signup: the very same action (validation, rate limit, verification
// email, session), so the two paths can never drift apart.
export { action, loader } from "./api.auth.signup";
