/* Secret links in portal emails carry their code after "#": browsers never send that part to the
   server, so no access log, proxy or Referer ever holds it. This fills the code field from it and
   takes it out of the address bar and history. Without JavaScript the person pastes the code from the
   email into the same field (docs/decisions/0014-link-codes-in-the-fragment.md). */
(function () {
  "use strict";
  var field = document.querySelector("[data-link-code]");
  if (!field || window.location.hash.length < 2) return;
  var code = window.location.hash.slice(1);
  try { code = decodeURIComponent(code); } catch (e) { /* keep it as it is */ }
  if (!field.value) field.value = code;
  if (window.history && window.history.replaceState) {
    window.history.replaceState(null, "", window.location.pathname);
  }
  var button = field.form && field.form.querySelector("button[type=submit]");
  if (button) button.focus();
})();
