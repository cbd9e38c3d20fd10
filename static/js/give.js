// Restates the chosen amount on the button ("Give $25 now"). The form works without this
// script: the server renders the preselected amount, and any choice is posted as usual.
(function () {
  "use strict";
  var form = document.querySelector(".pledge-form");
  if (!form) return;
  var button = form.querySelector("[data-give-label]");
  if (!button) return;
  function update() {
    var checked = form.querySelector('input[name="amount_choice"]:checked');
    var label = checked && checked.value !== "other" && form.querySelector('label[for="' + checked.id + '"]');
    button.textContent = label
      ? button.dataset.giveLabel.replace("{amount}", label.textContent.trim())
      : button.dataset.giveFallback;
  }
  form.addEventListener("change", function (event) {
    if (event.target.name === "amount_choice") update();
  });
})();
