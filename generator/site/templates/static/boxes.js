/* Box overlays drawn in the browser, with the same markup the task galleries render on the server
   (the `shot` macro in _macros.html): <div class="shot"><img><svg class="overlay"> with one
   <g class="cN" data-model> per model, so site.css colours both the same way. Each box is a
   focusable <g class="box"> holding the rectangle, a <title> (hover tooltip) and a
   <text class="box-label"> that playground.css shows on hover and keyboard focus.
   Coordinates are original-image pixels [x1, y1, x2, y2]; the SVG's viewBox is the image size,
   so boxes stay on their objects at any display size. */
(function () {
  "use strict";
  var SVG = "http://www.w3.org/2000/svg";
  var COLOURS = 8;  // site.css defines .c0 … .c7

  function el(name, attrs) {
    var node = document.createElementNS(SVG, name);
    Object.keys(attrs || {}).forEach(function (key) { node.setAttribute(key, attrs[key]); });
    return node;
  }

  function scoreText(score) {
    return typeof score === "number" ? " " + score.toFixed(2) : "";
  }

  /* One layer = {model, name, colour (index), boxes: [{xyxy, label, score}]}. */
  function layerGroup(layer) {
    var group = el("g", { "class": "c" + (layer.colour % COLOURS), "data-model": layer.model,
                          "role": "group", "aria-label": layer.name + ": " + layer.boxes.length + " boxes" });
    var area = function (b) { return (b.xyxy[2] - b.xyxy[0]) * (b.xyxy[3] - b.xyxy[1]); };
    // largest first, so a small box drawn later stays reachable inside a large one
    layer.boxes.slice().sort(function (a, b) { return area(b) - area(a); }).forEach(function (box) {
      var x1 = box.xyxy[0], y1 = box.xyxy[1], x2 = box.xyxy[2], y2 = box.xyxy[3];
      var text = (box.label || "box") + scoreText(box.score);
      var item = el("g", { "class": "box", "tabindex": "0", "aria-label": text });
      var title = el("title");
      title.textContent = layer.name + ": " + text;
      var label = el("text", { "class": "box-label", "x": x1, "y": y1, "dx": "0.25em", "dy": "1.05em" });
      label.textContent = text;
      item.appendChild(title);
      item.appendChild(el("rect", { "x": x1, "y": y1, "width": Math.max(0, x2 - x1), "height": Math.max(0, y2 - y1) }));
      item.appendChild(label);
      group.appendChild(item);
    });
    return group;
  }

  /* Label text is sized in image pixels; --u (image pixels per screen pixel) keeps it readable. */
  var resized = typeof ResizeObserver === "function" ? new ResizeObserver(function (entries) {
    entries.forEach(function (entry) { scale(entry.target); });
  }) : null;

  function scale(svg) {
    var shown = svg.getBoundingClientRect().width;
    var width = svg.viewBox.baseVal.width;
    if (shown > 0 && width > 0) svg.style.setProperty("--u", (width / shown).toFixed(3));
  }

  /* Keep an overlay's labels readable as it is resized (also for server-drawn gallery overlays). */
  function fit(svg) {
    scale(svg);
    if (resized) resized.observe(svg);
  }

  /* A <div class="shot"> with the image and an overlay of every layer. */
  function shot(src, alt, width, height, layers) {
    var wrap = document.createElement("div");
    wrap.className = "shot";
    var img = document.createElement("img");
    img.src = src;
    img.alt = alt;
    img.width = width;
    img.height = height;
    var svg = el("svg", { "class": "overlay", "viewBox": "0 0 " + width + " " + height, "preserveAspectRatio": "none" });
    wrap.appendChild(img);
    wrap.appendChild(svg);
    (layers || []).forEach(function (layer) { add(wrap, layer); });
    fit(svg);
    return wrap;
  }

  /* Add (or replace) one model's layer on an existing shot. */
  function add(wrap, layer) {
    var svg = wrap.querySelector("svg.overlay");
    var old = svg.querySelector('g[data-model="' + layer.model + '"]');
    var group = layerGroup(layer);
    if (old) svg.replaceChild(group, old); else svg.appendChild(group);
    scale(svg);
  }

  window.VLBoxes = { shot: shot, add: add, fit: fit, COLOURS: COLOURS };
})();
