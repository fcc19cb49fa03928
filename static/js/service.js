// Service page: keep the booking bar's package and price in step with the
// tier and language chosen, and offer only languages the tier has. The page
// works without this: the server checks every choice.
(function () {
  function setUp(root) {
    var form = root.querySelector("#add-form");
    var data = root.querySelector("#package-choices");
    if (!form || !data) return;
    var choices = JSON.parse(data.textContent);
    var bar = form.querySelector(".book-bar");

    function checked(name) {
      var input = form.querySelector("input[name=" + name + "]:checked");
      return input ? input.value : "";
    }

    function offerLanguages() {
      var tier = checked("tier");
      var firstOffered = null;
      form.querySelectorAll("input[name=language]").forEach(function (input) {
        var offered = choices.some(function (c) {
          return c.tier === tier && c.language === input.value;
        });
        input.disabled = !offered;
        if (offered && !firstOffered) firstOffered = input;
        if (!offered && input.checked) input.checked = false;
      });
      if (!checked("language") && firstOffered) firstOffered.checked = true;
    }

    function showChoice() {
      var tier = checked("tier");
      var language = checked("language");
      var choice = choices.find(function (c) {
        return c.tier === tier && c.language === language;
      });
      var label = bar.querySelector("[data-role=label]");
      var price = bar.querySelector("[data-role=price]");
      label.classList.remove("book-bar-error");
      label.textContent = choice ? choice.label : bar.dataset.unavailableLabel;
      price.textContent = choice ? choice.price : "";
      // After "Added to your cart" the action is "Go to cart"; a new choice
      // makes it "Add to cart" again.
      var action = bar.querySelector("#add-button");
      if (action && action.tagName === "A") {
        var button = document.createElement("button");
        button.type = "submit";
        button.id = "add-button";
        button.className = "btn btn-primary btn-lg book-bar-action";
        button.textContent = bar.dataset.addLabel;
        action.replaceWith(button);
      }
    }

    form.addEventListener("change", function (event) {
      if (event.target.name === "tier") offerLanguages();
      if (["tier", "language", "slot", "date"].indexOf(event.target.name) >= 0) {
        showChoice();
      }
    });
    offerLanguages();
    // Once a date is picked, "Please choose a date" no longer applies.
    form.addEventListener("htmx:afterSettle", function (event) {
      if (!event.detail.target || event.detail.target.id !== "when") return;
      var errors = root.querySelector("#add-errors");
      if (errors) errors.remove();
      showChoice();
    });
  }

  setUp(document);
  document.body.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail.target && event.detail.target.id === "add-to-cart") {
      setUp(document);
    }
  });
})();
