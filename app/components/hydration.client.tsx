import { useEffect } from "react";

// Until React has hydrated the page, the page is its server HTML and behaves as it does without
// JavaScript: a form posts, a link navigates, a key types.
//
// Why React must not see these events before then: a click or key press that lands on a page still
// hydrating makes React 18 finish the hydration synchronously, and Remix's single fetch suspends
// that first render while it decodes the page's data. A suspension in a synchronous pass at the root
// is fatal: React error #345 ("Root did not complete"), and the page is left without handlers
// (remix-run/remix#10214). So the events React would hydrate synchronously for are stopped at the
// window, before React's listeners on the document, and keep their native default action.

// The events React 18 hydrates synchronously for (react-dom's discreteReplayableEvents).
const SYNC_HYDRATING_EVENTS = [
  "mousedown",
  "mouseup",
  "touchcancel",
  "touchend",
  "touchstart",
  "auxclick",
  "dblclick",
  "pointercancel",
  "pointerdown",
  "pointerup",
  "dragend",
  "dragstart",
  "drop",
  "compositionend",
  "compositionstart",
  "keydown",
  "keypress",
  "keyup",
  "input",
  "textInput",
  "copy",
  "cut",
  "paste",
  "click",
  "change",
  "contextmenu",
  "reset",
  "submit",
] as const;

const hide = (event: Event) => event.stopImmediatePropagation();

/** Called before hydrateRoot: React does not see these events until `<Hydrated />` commits. */
export function holdEventsUntilHydrated(): void {
  for (const type of SYNC_HYDRATING_EVENTS) window.addEventListener(type, hide, { capture: true });
}

/**
 * Rendered beside `<RemixBrowser />`: it renders nothing, and its effect runs once the whole page has
 * hydrated (error pages too). It lets React see events again and marks `<html data-hydrated>`, which
 * the browser tests wait for (tests/e2e/browser.ts hydrated()).
 */
export function Hydrated(): null {
  useEffect(() => {
    for (const type of SYNC_HYDRATING_EVENTS) window.removeEventListener(type, hide, { capture: true });
    document.documentElement.dataset.hydrated = "true";
  }, []);
  return null;
}
