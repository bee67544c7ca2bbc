/* /compare/: choose any set of models and see them in one table, filled from data/models.json. */
(function () {
  "use strict";
  var box = document.getElementById("picker");
  if (!box || !window.VL) return;
  window.VL.loadModels(function (data) { start(box, data); });

  function start(box, data) {
    box.hidden = false;
    var root = document.body.getAttribute("data-root") || "";
    var suite = data.primary_suite, bands = data.score_bands;
    var suiteInfo = data.suites.filter(function (s) { return s.id === suite; })[0];
    var boxes = document.getElementById("picker-boxes"), table = document.getElementById("picked");
    var picked = document.querySelector("[data-picked]"), pairLinks = document.querySelector("[data-pair-links]");
    var byId = {};
    data.models.forEach(function (m) { byId[m.id] = m; });

    function esc(t) { return String(t).replace(/[&<>"']/g, function (c) { return "&#" + c.charCodeAt(0) + ";"; }); }
    function link(path) { return root + path + (/\/$/.test(path) ? "index.html" : ""); }
    function best(m) { var r = (m.results[suite] || [])[0]; return r || null; }
    function pct(x) { return x === null || x === undefined ? "—" : (x * 100).toFixed(1) + "%"; }
    function band(x) { if (x === null || x === undefined) return "none"; x *= 100; return x >= bands.good ? "good" : x >= bands.fair ? "fair" : "poor"; }
    function glyph(b) { return { good: "▲", fair: "◆", poor: "▼" }[b] || ""; }
    function score(r) {
      if (!r || r.rate === null) return '<span class="score none">—</span>';
      var b = band(r.rate);
      return '<span class="score ' + b + '"><span class="g" aria-hidden="true">' + glyph(b) + "</span>" + pct(r.rate) + "</span>" +
        '<span class="kn">' + r.passed + "/" + r.n + "</span>";
    }
    function coverage(r) {  // beside every score: how much of the suite it covers
      if (!r || !suiteInfo) return "";
      return '<span class="kn cov">' + r.n + " of " + suiteInfo.scored_prompts + " prompts" +
        (r.show_efficiency ? "" : ' <span class="pill partial">partial</span>') + "</span>";
    }
    function secs(x) { return x === null || x === undefined ? "—" : x < 1 ? Math.round(x * 1000) + " ms" : x.toFixed(x < 10 ? 2 : 1) + " s"; }
    function usd(x) {
      if (x === null || x === undefined) return "—";
      if (x >= 1) return "$" + x.toFixed(2);
      var d = Math.max(2, 1 - Math.floor(Math.log10(x)));
      return "$" + x.toFixed(d);
    }
    var rows = [
      ["Organization", function (m) { return esc(m.organization); }],
      ["Access", function (m) { return esc(m.access); }],
      ["Parameters", function (m) { return esc(m.parameters || "—"); }],
      ["Licence", function (m) { return esc(m.license); }],
      ["Release date", function (m) { return esc(m.release_date || "—"); }],
      ["Overall" + (suiteInfo ? " (" + suiteInfo.name + ")" : ""), function (m) { var r = best(m); return score(r) + (r && !r.measured ? ' <span class="pill imported">imported</span>' : "") + coverage(r); }],
      ["Median latency", function (m) { var r = best(m); return secs(r && r.latency_median); }],
      ["Cost / task", function (m) { var r = best(m); return usd(r && r.cost_per_task); }]
    ];
    (suiteInfo ? suiteInfo.categories : []).forEach(function (c) {
      rows.push([c.name, function (m) { var r = best(m); return score(r && r.categories[c.id]); }]);
    });

    var ranked = data.models.filter(best).sort(function (a, b) { return (best(b).rate || 0) - (best(a).rate || 0); });
    data.models.slice().sort(function (a, b) { return a.name.localeCompare(b.name); }).forEach(function (m) {
      var label = document.createElement("label");
      label.innerHTML = '<input type="checkbox" value="' + esc(m.id) + '"> ' + esc(m.name);
      boxes.appendChild(label);
    });
    function chosen() {
      return Array.prototype.filter.call(boxes.querySelectorAll("input"), function (i) { return i.checked; })
        .map(function (i) { return byId[i.value]; });
    }
    /* The selection lives in the address (?models=a,b,c), so a chosen set can be bookmarked and shared. */
    function remember(ms) {
      var query = ms.length ? "?models=" + ms.map(function (m) { return encodeURIComponent(m.id); }).join(",") : "";
      if (location.search !== query) history.replaceState(null, "", location.pathname + query + location.hash);
    }
    function draw() {
      var ms = chosen();
      remember(ms);
      picked.textContent = ms.length + " selected";
      if (!ms.length) { table.tHead.innerHTML = ""; table.tBodies[0].innerHTML = '<tr><td class="muted">Tick models above.</td></tr>'; pairLinks.innerHTML = ""; return; }
      table.tHead.innerHTML = '<tr><th scope="col">Property</th>' + ms.map(function (m) {
        return '<th scope="col"><a href="' + esc(link(m.url)) + '">' + esc(m.name) + "</a></th>";
      }).join("") + "</tr>";
      table.tBodies[0].innerHTML = rows.map(function (r) {
        return '<tr><th scope="row">' + esc(r[0]) + "</th>" + ms.map(function (m) { return "<td>" + r[1](m) + "</td>"; }).join("") + "</tr>";
      }).join("");
      var links = [];
      for (var i = 0; i < ms.length && links.length < 30; i++) for (var j = i + 1; j < ms.length; j++) {
        var p = [ms[i].id, ms[j].id].sort();
        links.push('<a href="' + esc(link("compare/" + p[0] + "-vs-" + p[1] + "/")) + '">' + esc(byId[p[0]].name) + " vs " + esc(byId[p[1]].name) + "</a>");
      }
      pairLinks.innerHTML = links.length ? "Head-to-head pages: " + links.join(" · ") : "";
    }
    boxes.addEventListener("change", draw);
    box.addEventListener("click", function (e) {
      var what = e.target.getAttribute && e.target.getAttribute("data-pick");
      if (!what) return;
      var top = ranked.slice(0, 5).map(function (m) { return m.id; });
      Array.prototype.forEach.call(boxes.querySelectorAll("input"), function (i) { i.checked = what === "ranked" && top.indexOf(i.value) >= 0; });
      draw();
    });
    var asked = (new URLSearchParams(location.search).get("models") || "").split(",").filter(function (id) { return byId[id]; });
    var initial = asked.length ? asked : ranked.slice(0, 3).map(function (m) { return m.id; });
    Array.prototype.forEach.call(boxes.querySelectorAll("input"), function (i) { i.checked = initial.indexOf(i.value) >= 0; });
    draw();
  }
})();
