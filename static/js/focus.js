// After an htmx swap removes the element that had focus (a "Remove" button,
// a page link), move focus to the region that was updated instead of letting
// it fall to <body>; screen readers then continue where the change happened.
// When the focused element survives (htmx keeps focus on elements with an
// id), nothing moves.
(function () {
  var hadFocus = new WeakSet();

  document.addEventListener("htmx:beforeSwap", function (event) {
    var target = event.detail.target;
    var active = document.activeElement;
    if (target && active && active !== document.body && target.contains(active)) {
      hadFocus.add(target);
    }
  });

  document.addEventListener("htmx:afterSettle", function (event) {
    var target = event.detail.target;
    if (!target || !hadFocus.has(target)) return;
    hadFocus.delete(target);
    var active = document.activeElement;
    if (active && active !== document.body && document.contains(active)) return;
    // An outerHTML swap replaced the target: find its successor by id.
    var region = document.contains(target)
      ? target
      : target.id && document.getElementById(target.id);
    if (!region) return;
    if (!region.hasAttribute("tabindex")) region.setAttribute("tabindex", "-1");
    region.focus();
  });
})();
