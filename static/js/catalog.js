// Catalog enhancements (the page works without them).
(function () {
  // On small screens start with the filters folded away; the search box stays.
  var details = document.getElementById("more-filters");
  if (details && window.matchMedia("(max-width: 991.98px)").matches) {
    details.removeAttribute("open");
  }
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
