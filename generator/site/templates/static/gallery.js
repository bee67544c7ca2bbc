/* Task galleries. The page itself shows every model's panel and every box (and the ground truth);
   this script only adds the toggles — one model, several, or all, with or without the ground
   truth — and a zoomed view of any image (click it, or the figure's Enlarge button). */
(function () {
  "use strict";
  var each = function (list, fn) { Array.prototype.forEach.call(list, fn); };

  /* Elements of a hidden model (its panels, box layers and legend entries) get .hidden-model. */
  var toggles = document.getElementById("gallery-toggles");
  if (toggles) {
    var checks = toggles.querySelectorAll("input[type=checkbox]");
    var apply = function () {
      var on = {}, truth = true;
      each(checks, function (box) {
        if (box.hasAttribute("data-truth-toggle")) truth = box.checked; else on[box.value] = box.checked;
      });
      each(document.querySelectorAll("main [data-model]"), function (el) {
        el.classList.toggle("hidden-model", on[el.getAttribute("data-model")] === false);
      });
      each(document.querySelectorAll("main [data-truth]"), function (el) {
        el.classList.toggle("hidden-model", !truth);
      });
    };
    toggles.hidden = false;
    toggles.addEventListener("change", apply);
    toggles.addEventListener("click", function (event) {
      var button = event.target.closest("button");
      if (!button) return;
      var all = button.hasAttribute("data-all");
      each(checks, function (box) {  // "only X" keeps the ground truth; "Show all" shows everything
        box.checked = all || box.hasAttribute("data-truth-toggle") || box.value === button.value;
      });
      apply();
    });
  }

  /* Zoom: a modal <dialog> holding a copy of the shot, boxes and current toggles included. */
  var dialog = null;
  function enlarge(shot) {
    if (!dialog) {
      dialog = document.createElement("dialog");
      dialog.className = "zoom";
      dialog.setAttribute("aria-label", "Enlarged image");
      dialog.addEventListener("click", function (event) {
        if (event.target === dialog || event.target.closest(".close") || event.target.tagName === "IMG") dialog.close();
      });
      document.body.appendChild(dialog);
    }
    var close = document.createElement("button");
    close.type = "button";
    close.className = "close";
    close.textContent = "Close";
    var copy = shot.cloneNode(true);
    var img = copy.querySelector("img");
    if (img) {
      img.removeAttribute("loading");
      // as large as the window allows (up to 4x), keeping the aspect the boxes are drawn in
      var width = img.naturalWidth || img.width, height = img.naturalHeight || img.height;
      var scale = Math.min(4, (window.innerWidth * 0.96 - 40) / width, (window.innerHeight * 0.96 - 72) / height);
      if (scale > 0) img.style.width = Math.floor(width * scale) + "px";
    }
    dialog.replaceChildren(close, copy);
    dialog.showModal();
    close.focus();
    var svg = copy.querySelector("svg.overlay");
    if (svg && window.VLBoxes) window.VLBoxes.fit(svg);
  }

  each(document.querySelectorAll(".gallery-item .shot"), function (shot) {
    var svg = shot.querySelector("svg.overlay");
    if (svg && window.VLBoxes) window.VLBoxes.fit(svg);
    var img = shot.querySelector("img");
    if (img) img.addEventListener("click", function () { enlarge(shot); });
  });
  each(document.querySelectorAll(".g-figure"), function (figure) {
    var shot = figure.querySelector(".shot");
    if (!shot || shot.classList.contains("missing")) return;
    var button = document.createElement("button");
    button.type = "button";
    button.className = "enlarge";
    button.textContent = "Enlarge";
    button.addEventListener("click", function () { enlarge(shot); });
    (figure.querySelector("figcaption") || figure).appendChild(button);
  });
})();
