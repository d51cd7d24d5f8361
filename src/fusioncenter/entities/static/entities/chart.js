// Expand the link chart in place: selecting an entity on the chart (or "Add its links" in the table)
// adds that entity's own links to the chart instead of leaving the page. Without this script the same
// links open the entity's own chart, and "Add its links" reloads the page with the chart grown.
// The server draws the chart (filters, access, layout); this only asks for it again with one more id.
(function () {
  "use strict";
  var box = document.getElementById("entity-chart");
  if (!box || !window.fetch || !window.URLSearchParams) { return; }
  var status = document.getElementById("chart-status");
  var hidden = document.getElementById("id_expand");
  var busy = false;

  function expandedIds() {
    return (hidden && hidden.value ? hidden.value.split(",") : []).filter(function (x) { return /^\d+$/.test(x); });
  }

  function caption() {
    var help = document.getElementById("chart-help");
    if (help && help.dataset.scriptText) { help.textContent = help.dataset.scriptText; }
  }

  function nameOf(id) {
    var node = box.querySelector('a[data-entity="' + id + '"] title');
    return node ? node.textContent : "the entity";
  }

  function expand(id) {
    if (busy) { return; }
    busy = true;
    var ids = expandedIds();
    if (ids.indexOf(id) === -1) { ids.push(id); }
    var params = new URLSearchParams(window.location.search);
    params.delete("format");
    params.delete("partial");
    params.set("expand", ids.join(","));
    var before = box.querySelectorAll("a[data-entity]").length;
    var name = nameOf(id);
    status.textContent = "Adding the links of " + name + "…";
    fetch(box.dataset.chartUrl + "?" + params.toString() + "&partial=chart", { credentials: "same-origin" })
      .then(function (r) {
        if (!r.ok) { throw new Error(String(r.status)); }
        return r.text();
      })
      .then(function (html) {
        box.innerHTML = html;
        caption();
        if (hidden) { hidden.value = ids.join(","); }
        window.history.replaceState(null, "", window.location.pathname + "?" + params.toString() + "#links");
        var added = box.querySelectorAll("a[data-entity]").length - before;
        status.textContent = added > 0
          ? "Added " + added + " linked entit" + (added === 1 ? "y" : "ies") + " of " + name + " to the chart."
          : "No other entity is linked to " + name + " in records you may see.";
        var again = box.querySelector('a[data-entity="' + id + '"]');
        if (again) { again.focus(); }
      })
      .catch(function () {
        status.textContent = "The chart could not be expanded. Open the entity's own chart instead.";
      })
      .then(function () { busy = false; });
  }

  box.addEventListener("click", function (event) {
    if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) { return; }
    var target = event.target.closest ? event.target.closest("a[data-entity], a[data-expand]") : null;
    if (!target || !box.contains(target)) { return; }
    var id = target.getAttribute("data-expand") || target.getAttribute("data-entity");
    if (target.hasAttribute("data-entity") && target.getAttribute("data-expanded") === "true") { return; }
    event.preventDefault();
    expand(id);
  });
  caption();
}());
