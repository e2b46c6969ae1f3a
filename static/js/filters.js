// Filters of the initiative index: update the results in place and keep the URL in step.
// Without this script the form submits normally; every state lives in the GET URL.
(function () {
  "use strict";
  var pending = null;
  var timer = null;

  function queryOf(form) {
    var params = new URLSearchParams();
    new FormData(form).forEach(function (value, name) {
      if (value !== "") { params.append(name, value); }
    });
    return params.toString();
  }

  function load(url, focusId) {
    if (pending) { pending.abort(); }
    pending = new AbortController();
    var browser = document.querySelector("[data-browser]");
    browser.setAttribute("aria-busy", "true");
    fetch(url, { headers: { "X-Requested-With": "fetch" }, signal: pending.signal })
      .then(function (response) { return response.text(); })
      .then(function (html) {
        var holder = document.createElement("div");
        holder.innerHTML = html;
        var fresh = holder.querySelector("[data-browser]");
        if (!fresh) { window.location.href = url; return; }
        browser.replaceWith(fresh);
        history.replaceState(null, "", url);
        var focus = focusId && document.getElementById(focusId);
        if (focus) {
          focus.focus();
          if (focus.setSelectionRange && focus.type === "search") {
            focus.setSelectionRange(focus.value.length, focus.value.length);
          }
        }
        bind();
      })
      .catch(function (error) {
        if (error.name !== "AbortError") { window.location.href = url; }
      });
  }

  function bind() {
    var browser = document.querySelector("[data-browser]");
    if (!browser) { return; }
    var form = browser.querySelector("form");
    var submit = function (focusId) {
      load(form.action + (queryOf(form) ? "?" + queryOf(form) : ""), focusId);
    };
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      submit(document.activeElement && document.activeElement.id);
    });
    form.addEventListener("change", function (event) {
      if (event.target.type !== "search") { submit(event.target.id); }
    });
    form.addEventListener("input", function (event) {
      if (event.target.type !== "search") { return; }
      clearTimeout(timer);
      timer = setTimeout(function () { submit(event.target.id); }, 400);
    });
    browser.querySelectorAll(".pagination a").forEach(function (link) {
      link.addEventListener("click", function (event) {
        event.preventDefault();
        load(link.href, "results-title");
        document.getElementById("results-title").scrollIntoView();
      });
    });
  }

  bind();
})();
