import { createContext, useContext } from "react";

// This response's CSP nonce for the inline scripts Remix renders (<Scripts>, <ScrollRestoration>).
// Set by entry.server; in the browser it is empty, as browsers hide nonce values once a page loads.
const NonceContext = createContext("");

export const NonceProvider = NonceContext.Provider;

export const useNonce = () => useContext(NonceContext);
