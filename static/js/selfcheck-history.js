/* The browser's own Back button inside the self-check (decision 0009).
 *
 * Every step and the result are answers to a POST, sent with Cache-Control: no-store. Without this
 * script, the browser's Back lands on "Confirm form resubmission". Here each such page swaps its own
 * history entry for a plain address that holds no answers (data-history-url, e.g. /check/back/), so
 * Back later loads that address instead: a calm page with the crisis line and a way to start again.
 * Nothing is stored: no answers in the address, no cookie, no storage. Without JavaScript the
 * browser's resubmit prompt may still show; the page's own Back button always works.
 */
(function () {
  "use strict";
  var marked = document.querySelector("[data-history-url]");
  if (!marked || !window.history || typeof window.history.replaceState !== "function") {
    return;
  }
  var url = marked.getAttribute("data-history-url");
  // Only a path on this site, never anything carrying answers.
  if (!url || url.charAt(0) !== "/" || url.charAt(1) === "/" || url.indexOf("?") !== -1 || url.indexOf("#") !== -1) {
    return;
  }
  try {
    window.history.replaceState(null, "", url);
    // Back lands on a different page, so start it at the top (not at this step's scroll position).
    if ("scrollRestoration" in window.history) {
      window.history.scrollRestoration = "manual";
    }
  } catch (error) {
    /* An old browser that refuses: the page's own Back button still works. */
  }
})();
