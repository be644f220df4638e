/* "Gibt es schon ähnliche Fälle?": while title and summary are typed, ask the search API.
   Progressive enhancement only: without JavaScript the form's button does the same. */
(function () {
  "use strict";
  var errors = document.getElementById("fehler");
  if (errors) { errors.focus(); }
  var box = document.getElementById("aehnliche-faelle");
  var title = document.getElementById("title");
  var summary = document.getElementById("summary");
  if (!box || !title || !summary || !window.fetch || !window.URLSearchParams) { return; }
  var list = document.getElementById("aehnliche-liste");
  var status = document.getElementById("aehnliche-status");
  var exclude = box.getAttribute("data-exclude");
  var timer = null;
  var last = "";
  var pending = null;

  function show(results) {
    while (list.firstChild) { list.removeChild(list.firstChild); }
    var shown = 0;
    results.forEach(function (hit) {
      if (hit.slug === exclude || shown >= 5) { return; }
      shown += 1;
      var item = document.createElement("li");
      var link = document.createElement("a");
      link.href = box.getAttribute("data-case-url").replace("__slug__", encodeURIComponent(hit.slug));
      link.target = "_blank";
      link.rel = "noopener";
      link.textContent = hit.title;
      var place = document.createElement("span");
      place.className = "muted";
      place.textContent = " – " + hit.municipality;
      item.appendChild(link);
      item.appendChild(place);
      list.appendChild(item);
    });
    status.textContent = shown ? shown + " ähnliche Fälle gefunden:" : "Keine ähnlichen Fälle gefunden.";
  }

  function lookup() {
    var query = (title.value + " " + summary.value).replace(/\s+/g, " ").trim().slice(0, 1000);
    if (query.length < 8 || query === last) { return; }
    last = query;
    if (pending && pending.abort) { pending.abort(); }
    pending = window.AbortController ? new AbortController() : null;
    var params = new URLSearchParams({ q: query, top_k: "6" });
    fetch(box.getAttribute("data-api") + "?" + params.toString(), {
      headers: { Accept: "application/json" },
      signal: pending ? pending.signal : undefined
    }).then(function (response) {
      return response.ok ? response.json() : null;
    }).then(function (data) {
      if (data && data.results) { show(data.results); }
    }).catch(function () { /* the button still works */ });
  }

  function schedule() {
    window.clearTimeout(timer);
    timer = window.setTimeout(lookup, 700);
  }

  title.addEventListener("input", schedule);
  summary.addEventListener("input", schedule);
}());
