// Small progressive enhancements; the portal works without JavaScript. No inline scripts (CSP).
document.addEventListener("submit", function (event) {
  var form = event.target;
  var message = form.getAttribute("data-confirm");
  if (message && !window.confirm(message)) {
    event.preventDefault();
  }
});
document.addEventListener("click", function (event) {
  var target = event.target.closest("[data-print]");
  if (target) {
    event.preventDefault();
    window.print();
  }
});
// Main menu: one section open at a time; Escape or a click elsewhere closes it.
document.addEventListener("toggle", function (event) {
  var opened = event.target;
  if (!opened.matches || !opened.matches("details[data-nav-group]") || !opened.open) return;
  document.querySelectorAll("details[data-nav-group][open]").forEach(function (other) {
    if (other !== opened) other.open = false;
  });
}, true);
document.addEventListener("keydown", function (event) {
  if (event.key !== "Escape") return;
  var open = document.querySelector("details[data-nav-group][open]");
  if (open) {
    open.open = false;
    open.querySelector("summary").focus();
  }
});
document.addEventListener("click", function (event) {
  document.querySelectorAll("details[data-nav-group][open]").forEach(function (open) {
    if (!open.contains(event.target)) open.open = false;
  });
});
// Filters: folded on a phone unless one is in use (open in the markup, so they work without JavaScript).
if (window.matchMedia("(max-width: 600px)").matches) {
  document.querySelectorAll("details.filter-box:not([data-active])").forEach(function (box) {
    box.open = false;
  });
}
// Decision panel: the reason field shows when the chosen decision needs one (first press of "Return" or
// "Reject" opens it, the second sends), or when the user asks to add a remark; a decision that needs a
// reason is not sent without one. Without JavaScript the field is always shown and the server asks for a
// missing reason.
document.querySelectorAll("[data-decision-panel]").forEach(function (panel) {
  var box = panel.querySelector("[data-reason-box]");
  var field = box && box.querySelector("textarea");
  var label = box && box.querySelector("[data-reason-label]");
  var toggle = panel.querySelector("[data-remark-toggle]");
  if (!field) return;
  if (!field.value) box.hidden = true;
  if (toggle) {
    toggle.hidden = !box.hidden;
    toggle.addEventListener("click", function () {
      box.hidden = false;
      toggle.hidden = true;
      field.focus();
    });
  }
  panel.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-action]");
    if (!button) return;
    var needs = button.hasAttribute("data-reason-required");
    field.required = needs;
    if (!needs) return;
    panel.querySelectorAll("button[data-action]").forEach(function (b) {
      b.setAttribute("aria-pressed", b === button ? "true" : "false");
    });
    label.textContent = button.getAttribute("data-required-text");
    if (box.hidden || !field.value.trim()) {
      event.preventDefault();
      box.hidden = false;
      if (toggle) toggle.hidden = true;
      field.focus();
    }
  });
});
