// 404.html: a comparison asked for with its two models in the other order (compare/b-vs-a/)
// forwards to the page that exists (compare/a-vs-b/, the ids in sorted order). The site writes
// one page per pair instead of a redirect page per reversed pair: 19,900 files fewer at 200
// models. Only two ids of models the site has, out of order, are forwarded, so an address that
// names no pair stays on this page (and can never loop).
(function () {
  "use strict";
  var box = document.getElementById("reversed");
  var m = box && location.pathname.match(/^(.*\/compare\/)([^\/]+)\/(index\.html)?$/);
  if (!m) return;
  var known = {};
  box.getAttribute("data-models").split(" ").forEach(function (id) { known[id] = true; });
  var parts = decodeURIComponent(m[2]).split("-vs-");
  for (var i = 1; i < parts.length; i++) {
    var a = parts.slice(0, i).join("-vs-"), b = parts.slice(i).join("-vs-");
    if (known[a] === true && known[b] === true && a > b) {
      var link = box.querySelector("a");
      link.href = m[1] + b + "-vs-" + a + "/" + (m[3] || "") + location.search + location.hash;
      box.hidden = false;
      location.replace(link.href);
      return;
    }
  }
})();
