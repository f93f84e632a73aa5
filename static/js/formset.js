/* "Add another" for Django inline formsets rendered by dialogues/_formset.html.
 *
 * Each <fieldset data-formset="PREFIX"> holds the management form, a <tbody data-formset-body>
 * with the rows, a <template data-formset-empty-form> with the formset's empty form (its names
 * and ids contain __prefix__) and a hidden <button data-formset-add>. Without this script the
 * blank extra rows rendered by the server are all there is; with it, the button shows and each
 * click appends a copy of the empty form numbered with the next index and counts it in
 * PREFIX-TOTAL_FORMS. No inline code: the CSP allows scripts from 'self' only.
 */
(function () {
  "use strict";

  var PLACEHOLDER = /__prefix__/g;
  var ATTRIBUTES = ["id", "name", "for", "aria-describedby", "aria-labelledby", "list"];

  function numberRow(fragment, index) {
    fragment.querySelectorAll("*").forEach(function (element) {
      ATTRIBUTES.forEach(function (attribute) {
        var value = element.getAttribute(attribute);
        if (value !== null && value.indexOf("__prefix__") !== -1) {
          element.setAttribute(attribute, value.replace(PLACEHOLDER, String(index)));
        }
      });
    });
  }

  function setUp(fieldset) {
    var prefix = fieldset.dataset.formset;
    var total = fieldset.querySelector('input[name="' + prefix + '-TOTAL_FORMS"]');
    var maximum = fieldset.querySelector('input[name="' + prefix + '-MAX_NUM_FORMS"]');
    var body = fieldset.querySelector("[data-formset-body]");
    var template = fieldset.querySelector("template[data-formset-empty-form]");
    var button = fieldset.querySelector("[data-formset-add]");
    if (!total || !body || !template || !button) {
      return;
    }
    var limit = maximum ? parseInt(maximum.value, 10) : NaN;

    function count() {
      return parseInt(total.value, 10) || 0;
    }

    function refresh() {
      button.disabled = !isNaN(limit) && count() >= limit;
    }

    button.addEventListener("click", function () {
      var index = count();
      if (!isNaN(limit) && index >= limit) {
        return;
      }
      var fragment = template.content.cloneNode(true);
      numberRow(fragment, index);
      var firstField = fragment.querySelector("input:not([type=hidden]), select, textarea");
      body.appendChild(fragment);
      total.value = String(index + 1);
      refresh();
      if (firstField) {
        firstField.focus();
      }
    });

    button.hidden = false;
    refresh();
  }

  function start() {
    document.querySelectorAll("fieldset[data-formset]").forEach(setUp);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
