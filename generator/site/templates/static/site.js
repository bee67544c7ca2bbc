/* Vision Leaderboard: progressive enhancement only. Every page works without this file. */
(function () {
  "use strict";
  var root = document.body.getAttribute("data-root") || "";

  function href(path) {            // site path -> link relative to this page (index.html for folders)
    path = String(path || "").replace(/^\/+/, "");
    if (path === "" || /\/$/.test(path)) path += "index.html";
    return root + path;
  }

  /* ---------- sortable tables: <table data-sortable>, <th class="sortable"><button> ---------- */
  function cellValue(row, index) {
    var cell = row.children[index];
    if (!cell) return "";
    var v = cell.getAttribute("data-sort");
    return v === null ? cell.textContent.trim() : v;
  }
  function sortTable(table, th) {
    var headRow = th.parentNode, index = Array.prototype.indexOf.call(headRow.children, th);
    var numeric = th.getAttribute("data-type") === "number";
    var current = th.getAttribute("aria-sort");
    var dir = current === "descending" ? "ascending" : current === "ascending" ? "descending" : (numeric ? "descending" : "ascending");
    if (th.textContent.trim() === "#") dir = current === "ascending" ? "descending" : "ascending";
    Array.prototype.forEach.call(headRow.children, function (h) { if (h !== th) h.removeAttribute("aria-sort"); });
    th.setAttribute("aria-sort", dir);
    var body = table.tBodies[0], rows = Array.prototype.slice.call(body.rows);
    var sign = dir === "ascending" ? 1 : -1;
    rows.sort(function (a, b) {
      var x = cellValue(a, index), y = cellValue(b, index);
      if (x === "" && y === "") return 0;
      if (x === "") return 1;               // unknown values always last
      if (y === "") return -1;
      if (numeric) return sign * (parseFloat(x) - parseFloat(y));
      return sign * x.localeCompare(y, undefined, { sensitivity: "base", numeric: true });
    });
    rows.forEach(function (r) { body.appendChild(r); });
  }
  Array.prototype.forEach.call(document.querySelectorAll("table[data-sortable]"), function (table) {
    Array.prototype.forEach.call(table.querySelectorAll("thead th.sortable button"), function (button) {
      button.addEventListener("click", function () { sortTable(table, button.parentNode); });
    });
  });

  /* ---------- leaderboard filters ---------- */
  var filters = document.getElementById("board-filters"), board = document.getElementById("board");
  if (filters && board) {
    filters.hidden = false;
    var count = filters.querySelector("[data-count]");
    var apply = function () {
      var access = filters.querySelector('[data-filter="access"]').value;
      var task = filters.querySelector('[data-filter="task"]').value;
      var shown = 0, rows = board.tBodies[0].rows;
      Array.prototype.forEach.call(rows, function (row) {
        var ok = (!access || row.getAttribute("data-access") === access) &&
                 (!task || (" " + row.getAttribute("data-tasks") + " ").indexOf(" " + task + " ") >= 0);
        row.hidden = !ok;
        if (ok) shown++;
      });
      count.textContent = shown + " of " + rows.length + " models";
    };
    filters.addEventListener("change", apply);
    apply();
  }

  /* ---------- "compare with" on model pages (data loaded only when used) ---------- */
  /* data/models.json over http; from disk (file://, where fetch is blocked) the same data as
     data/models.js. Loaded once, on demand. */
  var modelsPromise = null;
  function loadModels(done) {
    if (!modelsPromise) {
      modelsPromise = location.protocol === "file:" ? new Promise(function (resolve, reject) {
        var s = document.createElement("script");
        s.src = root + "data/models.js";
        s.onload = function () { resolve(window.VL_MODELS); };
        s.onerror = reject;
        document.head.appendChild(s);
      }) : fetch(root + "data/models.json").then(function (r) {
        if (!r.ok) throw new Error("data/models.json: HTTP " + r.status);
        return r.json();
      });
    }
    modelsPromise.then(done);
  }
  window.VL = { loadModels: loadModels, href: href };
  var withForm = document.getElementById("compare-with");
  if (withForm) {
    withForm.hidden = false;
    var select = withForm.querySelector("select"), self = withForm.getAttribute("data-self"), filled = false;
    var fill = function () {
      if (filled) return;
      filled = true;
      loadModels(function (data) {
        data.models.slice().sort(function (a, b) { return a.name.localeCompare(b.name); }).forEach(function (m) {
          if (m.id === self) return;
          var o = document.createElement("option");
          o.value = m.id; o.textContent = m.name;
          select.appendChild(o);
        });
      });
    };
    select.addEventListener("focus", fill);
    select.addEventListener("pointerdown", fill);
    withForm.addEventListener("submit", function (e) {
      e.preventDefault();
      if (!select.value) return;
      var pair = [self, select.value].sort();
      location.href = href("compare/" + pair[0] + "-vs-" + pair[1] + "/");
    });
  }

  /* ---------- search: Pagefind is imported only once the box is used ---------- */
  var pagefind = null;
  function loadPagefind() {
    if (!pagefind) {
      pagefind = import(new URL(root + "pagefind/pagefind.js", location.href).href).then(function (pf) {
        return pf.init ? Promise.resolve(pf.init()).then(function () { return pf; }) : pf;
      });
    }
    return pagefind;
  }
  function textOf(html) {            // Pagefind's escaped text -> plain text; DOMParser runs no scripts
    return new DOMParser().parseFromString("<p>" + html + "</p>", "text/html").body.textContent;
  }
  /* Pagefind's excerpt starts with the page's heading, which is the result's title: a prompt's
     id would be shown three times (title, heading, text). Leave out what the title already says. */
  function excerptNode(html, title) {  // keep only Pagefind's <mark> highlights, everything else as text
    var span = document.createElement("span");
    span.className = "excerpt";
    var said = String(title || "").split(/\s+·\s+/).filter(function (w) { return w.length > 2; });
    var skip = function (text) {
      said.forEach(function (w) { text = text.split(w).join(""); });
      text = text.replace(/(\s*·)+\s*/g, " ").replace(/\s{2,}/g, " ");
      return span.firstChild ? text : text.replace(/^\s+/, "");  // no gap where the title was
    };
    String(html || "").split(/(<mark>.*?<\/mark>)/).forEach(function (part) {
      var m = /^<mark>(.*)<\/mark>$/.exec(part);
      var text = skip(textOf(m ? m[1] : part));
      if (!text.trim()) return;
      if (m) {
        var mark = document.createElement("mark");
        mark.textContent = text;
        span.appendChild(mark);
      } else {
        span.appendChild(document.createTextNode(text));
      }
    });
    return span;
  }
  function message(box, text, link) {
    box.textContent = "";
    var p = document.createElement("p");
    p.className = "muted small search-message";
    p.textContent = text + " ";
    if (link) {
      var a = document.createElement("a");
      a.href = href("search/");
      a.textContent = link;
      p.appendChild(a);
    }
    box.appendChild(p);
    box.hidden = false;
  }
  /* Opened from disk (file:), the browser refuses to load the search index: say how to serve it. */
  var FROM_DISK = "Search needs the site served over http: run “leaderboard serve” in the project, " +
                  "or “python -m http.server” in the public folder, and open the address it prints.";
  function runSearch(query, box, limit) {
    if (!query.trim()) { box.hidden = true; box.textContent = ""; return; }
    if (location.protocol === "file:") { message(box, FROM_DISK, "Browse instead"); return; }
    loadPagefind().then(function (pf) {
      return pf.debouncedSearch ? pf.debouncedSearch(query, {}, 150) : pf.search(query);
    }).then(function (search) {
      if (!search) return;          // superseded by a newer query
      return Promise.all(search.results.slice(0, limit).map(function (r) { return r.data(); })).then(function (items) {
        if (!items.length) { message(box, "No results for “" + query + "”."); return; }
        box.textContent = "";
        items.forEach(function (d) {
          var a = document.createElement("a"), kind = document.createElement("span");
          a.href = href(d.url);
          kind.className = "kind";
          kind.textContent = (d.meta && d.meta.kind) || "";
          a.appendChild(kind);
          a.appendChild(document.createTextNode((d.meta && d.meta.title) || d.url));
          a.appendChild(excerptNode(d.excerpt, d.meta && d.meta.title));
          box.appendChild(a);
        });
        box.hidden = false;
      });
    }).catch(function () {
      message(box, "Search is unavailable here (it needs the site served over http).", "Browse instead");
    });
  }
  var input = document.getElementById("site-search"), results = document.getElementById("search-results");
  if (input && results) {
    input.addEventListener("focus", function () {
      if (location.protocol === "file:") message(results, FROM_DISK, "Browse instead");
      else loadPagefind().catch(function () {});
    }, { once: true });
    input.addEventListener("input", function () { runSearch(input.value, results, 8); });
    document.addEventListener("click", function (e) { if (!input.form.contains(e.target)) results.hidden = true; });
    input.addEventListener("keydown", function (e) { if (e.key === "Escape") { results.hidden = true; input.blur(); } });
  }
  var pageBox = document.querySelector("[data-search-page]");
  if (pageBox) {
    var pageResults = document.getElementById("search-page-results");
    var q = new URLSearchParams(location.search).get("q") || "";
    pageBox.value = q;
    if (q) runSearch(q, pageResults, 30);
    pageBox.addEventListener("input", function () { runSearch(pageBox.value, pageResults, 30); });
  }
})();
