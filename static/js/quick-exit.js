/* Quick exit, after the GOV.UK "Exit this page" component.
 * Without JavaScript the button is a plain link to a neutral site. With it, the click (or Shift
 * pressed on its own three times within 5 seconds) blanks the page first and uses location.replace,
 * so this page is replaced in the tab's history and Back does not return to it. */
(function () {
  "use strict";
  var links = document.querySelectorAll("[data-quick-exit]");
  if (!links.length) { return; }
  var target = links[0].getAttribute("href");
  var exiting = false;

  function exitPage(event) {
    if (event) { event.preventDefault(); }
    if (exiting) { return; }
    exiting = true;
    document.title = "Loading";
    document.documentElement.className += " is-exiting";
    document.body.innerHTML = "";
    window.location.replace(target);
  }

  for (var i = 0; i < links.length; i++) { links[i].addEventListener("click", exitPage); }

  var hints = document.querySelectorAll("[data-quick-exit-hint]");
  for (var j = 0; j < hints.length; j++) { hints[j].hidden = false; }

  var presses = 0;
  var timer = null;
  var shiftUsedInCombination = false;
  function reset() { presses = 0; if (timer) { clearTimeout(timer); timer = null; } }

  document.addEventListener("keydown", function (event) {
    if (event.key === "Shift") { return; }
    reset();
    if (event.shiftKey) { shiftUsedInCombination = true; }  /* e.g. typing a capital letter */
  });
  document.addEventListener("keyup", function (event) {
    if (event.key !== "Shift") { return; }
    if (shiftUsedInCombination) { shiftUsedInCombination = false; return; }
    presses += 1;
    if (presses === 1) { timer = setTimeout(reset, 5000); }
    if (presses >= 3) { reset(); exitPage(); }
  });
}());
