// On small screens start with the catalog filters folded away; the search box stays.
(function () {
  var details = document.getElementById("more-filters");
  if (details && window.matchMedia("(max-width: 991.98px)").matches) {
    details.removeAttribute("open");
  }
})();
