// Registre des initiatives: on a partner's page, sizes each embedded list
// (<iframe data-registre-embed>) to the height the list announces by postMessage.
// Only messages from the registry's own address (the one this script came from) are heard.
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || !script.src) { return; }
  var origin = new URL(script.src, window.location.href).origin;
  var MAX_HEIGHT = 50000;

  function frames() {
    return document.querySelectorAll("iframe[data-registre-embed]");
  }

  window.addEventListener("message", function (event) {
    if (event.origin !== origin) { return; }
    var data = event.data;
    if (!data || data.registre !== "hauteur") { return; }
    var height = Number(data.hauteur);
    if (!isFinite(height) || height <= 0) { return; }
    var list = frames();
    for (var i = 0; i < list.length; i += 1) {
      if (list[i].contentWindow === event.source) {
        list[i].style.height = Math.min(Math.ceil(height), MAX_HEIGHT) + "px";
      }
    }
  });

  // A frame may have announced its height before this script arrived: ask again.
  function ask(frame) {
    if (frame.contentWindow) {
      frame.contentWindow.postMessage({ registre: "demande-hauteur" }, origin);
    }
  }
  var list = frames();
  for (var i = 0; i < list.length; i += 1) {
    ask(list[i]);
    list[i].addEventListener("load", function (event) { ask(event.target); });
  }
})();
