/* The program builder without a round trip for "Add an exercise".
 *
 * Progressive enhancement only: without this script the button posts the form and the server
 * answers with one more empty row (templates_app.pages). Here the day's last row is copied,
 * emptied and renumbered (names, ids and labels use the "d<day>-e<row>" prefix), and the day's
 * hidden exercise count goes up by one. Anything unexpected falls back to the server.
 */
(function () {
  "use strict";

  var MAX_EXERCISES_PER_DAY = 20;
  var DEFAULTS = { rest_seconds: "90", progression: "none" };

  function renumber(element, from, to) {
    ["name", "id", "for", "aria-describedby"].forEach(function (attribute) {
      var value = element.getAttribute(attribute);
      if (value && value.indexOf(from) !== -1) {
        element.setAttribute(attribute, value.split(from).join(to));
      }
    });
  }

  function emptyRow(row, day, index) {
    var from = row.id + "-";
    var key = "d" + day + "-e" + index;
    var copy = row.cloneNode(true);
    copy.id = key;
    copy.querySelectorAll("[name], [id], [for], [aria-describedby]").forEach(function (element) {
      renumber(element, from, key + "-");
    });
    copy.querySelectorAll("input, select, textarea").forEach(function (input) {
      var field = input.name.slice(key.length + 1);
      input.value = DEFAULTS[field] || "";
      input.removeAttribute("autofocus");
      input.removeAttribute("aria-invalid");
    });
    copy.querySelectorAll(".errorlist, .form-errors").forEach(function (element) {
      element.remove();
    });
    copy.querySelectorAll(".field-invalid").forEach(function (element) {
      element.classList.remove("field-invalid");
    });
    var details = copy.querySelector("details");
    if (details) {
      details.open = false;
    }
    var number = copy.querySelector("[data-exercise-number]");
    if (number) {
      number.textContent = String(index + 1);
    }
    // Moving and removing a row need the server's renumbering: those buttons post as before.
    copy.querySelectorAll("button[name='remove'], button[name='up']").forEach(function (button) {
      button.value = key;
      button.querySelectorAll(".visually-hidden").forEach(function (hidden) {
        hidden.textContent = " exercise " + (index + 1) + " of day " + (day + 1);
      });
    });
    if (index > 0 && !copy.querySelector("button[name='up']")) {
      var remove = copy.querySelector("button[name='remove']");
      if (remove) {
        var up = document.createElement("button");
        up.type = "submit";
        up.name = "up";
        up.value = key;
        up.formNoValidate = true;
        up.className = "link-button";
        up.textContent = "Move up";
        remove.parentNode.insertBefore(up, remove);
      }
    }
    return copy;
  }

  function addExercise(event) {
    var button = event.currentTarget;
    var fieldset = button.closest("[data-day]");
    if (!fieldset) {
      return;
    }
    var list = fieldset.querySelector(".builder-exercises");
    var count = fieldset.querySelector("[data-exercise-count]");
    var rows = list ? list.querySelectorAll("[data-exercise]") : [];
    if (!list || !count || rows.length === 0 || rows.length >= MAX_EXERCISES_PER_DAY) {
      return; // the server knows what to do
    }
    event.preventDefault();
    var day = Number(fieldset.getAttribute("data-day"));
    var row = emptyRow(rows[rows.length - 1], day, rows.length);
    list.appendChild(row);
    count.value = String(rows.length + 1);
    button.setAttribute("formaction", "#d" + day + "-e" + (rows.length + 1));
    var first = row.querySelector("input:not([type='hidden'])");
    if (first) {
      first.focus();
    }
  }

  document.querySelectorAll("[data-program-builder] [data-add-exercise]").forEach(function (button) {
    button.addEventListener("click", addExercise);
  });
})();
