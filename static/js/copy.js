// "Copier le lien" / "Copier le code": the buttons appear only with this script; without it the
// address and the code stay in read-only fields that can be selected and copied by hand.
(function () {
  "use strict";
  var status = document.querySelector("[data-copy-status]");

  function say(message) {
    if (!status) { return; }
    status.textContent = "";
    window.setTimeout(function () { status.textContent = message; }, 50);
  }

  function fallback(field) {
    field.focus();
    field.select();
    try { return document.execCommand("copy"); } catch (error) { return false; }
  }

  document.querySelectorAll("button[data-copy]").forEach(function (button) {
    var field = document.getElementById(button.getAttribute("data-copy"));
    if (!field) { return; }
    button.hidden = false;
    button.addEventListener("click", function () {
      var done = function () { say(button.getAttribute("data-copied") || "Copié."); };
      var failed = function () {
        if (fallback(field)) { done(); } else {
          field.focus();
          field.select();
          say("La copie a échoué\u202f: le texte est sélectionné, copiez-le avec Ctrl+C.");
        }
      };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(field.value).then(done, failed);
      } else {
        failed();
      }
    });
  });
})();
