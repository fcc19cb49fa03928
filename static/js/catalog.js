// Catalog enhancements (the page works without them).
(function () {
  // Fold the filters away on small screens; the search box stays visible.
  var details = document.getElementById("more-filters");
  var small = window.matchMedia("(max-width: 991.98px)");
  function fit() {
    if (!details) return;
    if (small.matches) details.removeAttribute("open");
    else details.setAttribute("open", "");
  }
  fit();
  small.addEventListener("change", fit);

  // Keep pushed URLs short: leave out empty filters.
  document.addEventListener("htmx:configRequest", function (event) {
    if (!event.detail.elt || event.detail.elt.id !== "catalog-filters") return;
    var data = event.detail.formData;
    if (!data) return;
    Array.from(data.keys()).forEach(function (key) {
      if (data.get(key) === "") data.delete(key);
    });
  });
})();
