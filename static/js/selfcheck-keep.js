/* The kept self-check plan (/check/notes/#...). The plan is only in the #fragment, which the browser
   never sends to the server. It is base64url of "<version>~<i.j.k>~<flags>": the positions of the plan's
   steps and "t" when the result said "today". Not encryption: it only keeps the plan from being read at
   a glance. Same format as selfcheck/keep.py. Without JavaScript the page says to use the file or print. */
(function () {
  "use strict";
  var root = document.querySelector("[data-keep]");
  if (!root) { return; }
  var noscript = root.querySelector("[data-keep-noscript]");
  var bad = root.querySelector("[data-keep-bad]");
  var plan = root.querySelector("[data-keep-plan]");
  var list = root.querySelector("[data-keep-steps]");
  if (noscript) { noscript.hidden = true; }
  // A different kept link pasted into this tab: show that one instead.
  window.addEventListener("hashchange", function () { window.location.reload(); });

  function fail() { if (bad) { bad.hidden = false; } }

  var code = window.location.hash.replace(/^#/, "");
  if (!code || code.length > 200 || /[^A-Za-z0-9_-]/.test(code)) { fail(); return; }
  var text;
  try {
    var b64 = code.replace(/-/g, "+").replace(/_/g, "/");
    while (b64.length % 4) { b64 += "="; }
    text = window.atob(b64);
  } catch (e) { fail(); return; }
  var parts = text.split("~");
  if (parts.length !== 3 || parts[0] !== root.getAttribute("data-version") || /[^ts]/.test(parts[2])) {
    fail(); return;
  }
  var seen = {};
  var items = parts[1] ? parts[1].split(".") : [];
  for (var i = 0; i < items.length; i++) {
    if (!/^[0-9]+$/.test(items[i]) || seen[items[i]]) { fail(); return; }
    var template = root.querySelector('template[data-keep-action="' + items[i] + '"]');
    if (!template) { fail(); return; }
    seen[items[i]] = true;
    list.appendChild(document.importNode(template.content, true));
  }
  if (parts[2].indexOf("t") !== -1) { root.querySelector("[data-keep-today]").hidden = false; }
  plan.hidden = false;
})();
