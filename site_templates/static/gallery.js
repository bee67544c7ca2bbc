/* Task galleries: show or hide each model's panel and boxes. Without this, everything is shown. */
(function () {
  "use strict";
  var toggles = document.getElementById("gallery-toggles");
  if (!toggles) return;
  toggles.hidden = false;
  toggles.addEventListener("change", function () {
    var on = {};
    Array.prototype.forEach.call(toggles.querySelectorAll("input[type=checkbox]"), function (box) { on[box.value] = box.checked; });
    Array.prototype.forEach.call(document.querySelectorAll("[data-model]"), function (el) {
      el.classList.toggle("hidden-model", on[el.getAttribute("data-model")] === false);
    });
  });
})();
