// Inside an embedded list (/integrer/…): tell the page that frames it how tall the list is, so
// that our script on that page (embed.js) can size the frame. The height is no secret: it goes
// to whatever page frames us. Nothing is read from the parent but a request to say it again.
(function () {
  "use strict";
  if (window.parent === window) { return; }
  var last = -1;

  function post(force) {
    var height = Math.ceil(document.documentElement.getBoundingClientRect().height);
    if (height === last && !force) { return; }
    last = height;
    window.parent.postMessage({ registre: "hauteur", hauteur: height }, "*");
  }

  window.addEventListener("message", function (event) {
    if (event.source === window.parent && event.data && event.data.registre === "demande-hauteur") {
      post(true);
    }
  });
  if ("ResizeObserver" in window) {
    new ResizeObserver(function () { post(false); }).observe(document.documentElement);
  }
  window.addEventListener("load", function () { post(false); });
  post(false);
})();
