/* The article editor's live preview and embed helper. Small, framework-free, no network but
   this site. The page works without it: "Save and preview" and the embed finder page. */
(function () {
  "use strict";
  var tools = document.getElementById("editor-tools");
  var body = document.getElementById("id_body");
  if (!tools || !body || !window.fetch) { return; }
  var form = body.form;
  var token = form.querySelector("[name=csrfmiddlewaretoken]").value;
  var preview = document.getElementById("body-preview");
  var results = document.getElementById("embed-results");
  var search = document.getElementById("embed-search");

  // Beside the body, where the eye already is.
  var row = body.closest(".form-row");
  if (row) { row.insertAdjacentElement("afterend", tools); }
  tools.querySelectorAll("[data-js-only]").forEach(function (el) { el.hidden = false; });

  var timer = null;
  var sent = 0;
  function refresh() {
    var mine = ++sent;
    var data = new FormData();
    data.append("body", body.value);
    data.append("article", tools.dataset.article || "");
    preview.setAttribute("aria-busy", "true");
    fetch(tools.dataset.previewUrl, {
      method: "POST", body: data, credentials: "same-origin",
      headers: { "X-CSRFToken": token }
    }).then(function (response) {
      if (!response.ok) { throw new Error(String(response.status)); }
      return response.text();
    }).then(function (html) {
      // The server sanitised this with the public page's renderer (nh3, then our templates).
      if (mine === sent) { preview.innerHTML = html; }
    }).catch(function () {
      if (mine === sent) { preview.textContent = "The preview is not available right now; Save and preview still works."; }
    }).finally(function () { preview.setAttribute("aria-busy", "false"); });
  }
  body.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(refresh, 500);
  });
  refresh();

  function insert(code) {
    var start = body.selectionStart, end = body.selectionEnd, text = body.value;
    var before = text.slice(0, start), after = text.slice(end);
    // An embed stands on a line of its own.
    var lead = before && !/\n\n$/.test(before) ? (/\n$/.test(before) ? "\n" : "\n\n") : "";
    var tail = after && !/^\n/.test(after) ? "\n\n" : "\n";
    body.value = before + lead + code + tail + after;
    var caret = (before + lead + code + tail).length;
    body.focus();
    body.setSelectionRange(caret, caret);
    refresh();
  }

  function find() {
    var q = search.value.trim();
    if (!q) { results.textContent = ""; return; }
    fetch(tools.dataset.embedsUrl + "?fragment=1&q=" + encodeURIComponent(q), { credentials: "same-origin" })
      .then(function (response) { return response.text(); })
      .then(function (html) {
        results.innerHTML = html;
        results.querySelectorAll(".staff-embed-insert").forEach(function (button) {
          button.hidden = false;
          button.addEventListener("click", function () { insert(button.dataset.code); });
        });
      })
      .catch(function () { results.textContent = "The search is not available right now."; });
  }
  document.getElementById("embed-search-button").addEventListener("click", find);
  // Enter in the search box searches; it must not submit (save) the article.
  search.addEventListener("keydown", function (event) {
    if (event.key === "Enter") { event.preventDefault(); find(); }
  });
}());
