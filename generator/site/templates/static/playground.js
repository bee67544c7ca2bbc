/* The upload playground. Looks for a live API (`leaderboard serve`, or the site's live_api);
   without one the page keeps its static explanation and links to the example galleries.
   With one: choose, drop or paste an image, pick a task, a prompt and models, and watch each
   model's answer arrive as its NDJSON line does (fast models first), boxes drawn over the image
   by boxes.js. Every answer can be downloaded as JSON. */
(function () {
  "use strict";
  var page = document.getElementById("playground");
  if (!page || !window.fetch || !window.VLBoxes) return;

  var $ = function (id) { return document.getElementById(id); };
  var offline = $("pg-offline"), offlineWhy = $("pg-offline-why"), form = $("pg-form"), status = $("pg-status");
  var fileInput = $("pg-file"), drop = $("pg-drop"), preview = $("pg-preview"), fileInfo = $("pg-file-info");
  var taskSelect = $("pg-task"), promptInput = $("pg-prompt"), promptLabel = $("pg-prompt-label");
  var modelList = $("pg-models-list"), runButton = $("pg-run"), results = $("pg-results");
  var panels = $("pg-panels"), combined = $("pg-combined"), legend = $("pg-legend"), download = $("pg-download");

  var api = apiBase(page.getAttribute("data-live-api"));
  var catalog = null;          // GET /api/models
  var image = null;            // {file, url, width, height}
  var run = null;              // the current or last run: {task, prompt, models, lines, started}
  var listed = [];             // the current task's models in list order (their colours)
  var wanted = requested();    // models and task asked for in the address

  /* ------------------------------------------------------------ finding the API */

  function apiBase(configured) {
    configured = (configured || "").trim();
    var absolute = /^https?:\/\//.test(configured);
    if (location.protocol === "file:" && !absolute) return null;
    if (configured) {
      var base = new URL(configured, location.href).href.replace(/\/?$/, "/");
      return /\/api\/$/.test(base) ? base : base + "api/";
    }
    // served by `leaderboard serve`: the API sits beside the site's root (pages may be at any depth)
    return new URL((document.body.getAttribute("data-root") || "") + "api/", location.href).href;
  }

  function goOffline(why) {
    form.hidden = true;
    offline.hidden = false;
    offlineWhy.textContent = why;
    offlineWhy.hidden = !why;
    setStatus("");
  }

  function connect() {
    if (!api) return goOffline("This page was opened from disk, so there is no server to run models.");
    offline.hidden = true;
    setStatus("Looking for a live model server…");
    var controller = new AbortController();
    var timer = setTimeout(function () { controller.abort(); }, 8000);
    fetch(api + "models", { headers: { Accept: "application/json" }, signal: controller.signal })
      .then(function (response) {
        var type = response.headers.get("Content-Type") || "";
        if (!response.ok || type.indexOf("application/json") !== 0) {
          throw new Error("No live API at " + api + " (HTTP " + response.status + ")");
        }
        return response.json();
      })
      .then(function (payload) {
        catalog = only(payload, page.getAttribute("data-models"));
        if (!catalog.models.length) return goOffline("Neither model of this page runs on the server at " + api + ".");
        goLive();
      })
      .catch(function (error) {
        goOffline(error.name === "AbortError" ? "The live API at " + api + " did not answer." :
                  /^No live API/.test(error.message) ? error.message + "." :
                  "Could not reach a live API at " + api + " (" + error.message + ").");
      })
      .finally(function () { clearTimeout(timer); });
  }

  /* A pair page's box runs only its two models: the API's catalog cut to them, and to their tasks. */
  function only(payload, ids) {
    if (!ids) return payload;
    var keep = ids.split(",");
    var models = payload.models.filter(function (m) { return keep.indexOf(m.id) >= 0; });
    var tasks = payload.tasks.filter(function (t) { return models.some(function (m) { return m.tasks.indexOf(t.id) >= 0; }); });
    return { models: models, tasks: tasks, limits: payload.limits };
  }

  /* ------------------------------------------------------------ the form */

  function goLive() {
    setStatus("");
    form.hidden = false;
    var usable = catalog.tasks.filter(function (task) { return runnable(task.id).length > 0; });
    taskSelect.textContent = "";
    catalog.tasks.forEach(function (task) {
      var option = new Option(task.name + (runnable(task.id).length ? "" : " (no model here)"), task.id);
      option.disabled = runnable(task.id).length === 0;
      taskSelect.appendChild(option);
    });
    var asked = usable.filter(function (task) { return task.id === wanted.task; })[0];
    if (asked || usable.length) taskSelect.value = (asked || usable[0]).id;
    else setStatus("No model can run on this machine: see the reasons below.", true);
    showTask();
  }

  /* ?models=a,b&task=t (the pair pages link here so): those models ticked, that task chosen. */
  function requested() {
    var query = new URLSearchParams(location.search);
    var models = (query.get("models") || "").split(",").map(function (m) { return m.trim(); }).filter(Boolean);
    return { task: query.get("task") || "", models: models };
  }

  /* Colours follow a model's place in the task's list (available models first), so no two models
     in one list share a colour while there are at most VLBoxes.COLOURS of them. */
  function colourOf(modelId) {
    return Math.max(0, listed.indexOf(modelId)) % window.VLBoxes.COLOURS;
  }

  function modelById(modelId) {
    return catalog.models.filter(function (m) { return m.id === modelId; })[0];
  }

  function runnable(taskId) {
    return catalog.models.filter(function (m) { return m.available && m.tasks.indexOf(taskId) >= 0; });
  }

  function currentTask() {
    return catalog.tasks.filter(function (t) { return t.id === taskSelect.value; })[0];
  }

  function showTask() {
    var task = currentTask();
    modelList.textContent = "";
    if (!task) return updateRunButton();
    promptLabel.textContent = task.prompt_label;
    promptInput.required = task.prompt_required;
    promptInput.placeholder = task.default_prompt || "Required for " + task.name.toLowerCase();
    var models = catalog.models.filter(function (m) { return m.tasks.indexOf(task.id) >= 0; });
    var ready = models.filter(function (m) { return m.available; });
    var missing = models.filter(function (m) { return !m.available; });
    listed = ready.concat(missing).map(function (m) { return m.id; });
    var picked = task.id === wanted.task || !wanted.task ? wanted.models.filter(function (id) {
      return ready.some(function (m) { return m.id === id; });
    }) : [];
    ready.forEach(function (model) {
      var item = document.createElement("li");
      item.appendChild(modelChoice(model, picked.length ? picked.indexOf(model.id) >= 0 : true));
      if (readsPrompt(model, task) === false) appendText(item, "span", "small muted pg-reason", "ignores the prompt text for this task");
      modelList.appendChild(item);
    });
    if (missing.length) {  // one line, opened on demand: what cannot run here and why
      var item = document.createElement("li");
      item.className = "pg-unavailable";
      var more = document.createElement("details");
      appendText(more, "summary", "small", missing.length + " more model" + (missing.length === 1 ? " is" : "s are") +
                 " not available on this machine");
      var list = document.createElement("ul");
      missing.forEach(function (model) {
        var row = document.createElement("li");
        row.appendChild(modelChoice(model, false));
        appendText(row, "span", "small muted pg-reason", model.reason);
        list.appendChild(row);
      });
      more.appendChild(list);
      item.appendChild(more);
      modelList.appendChild(item);
    }
    updateRunButton();
  }

  /* false when the model ignores the typed prompt for the task (fixed detectors, OCR engines, task tokens) */
  function readsPrompt(model, task) {
    return model.prompt_tasks ? model.prompt_tasks.indexOf(task.id) >= 0 : null;
  }

  function modelChoice(model, checked) {
    var label = document.createElement("label");
    label.className = "pg-choice";
    var box = document.createElement("input");
    box.type = "checkbox";
    box.value = model.id;
    box.checked = model.available && checked;
    box.disabled = !model.available;
    var swatch = document.createElement("span");
    swatch.className = "swatch c" + colourOf(model.id);
    label.appendChild(box);
    label.appendChild(swatch);
    appendText(label, "span", "pg-name", model.name);
    if (model.loaded) appendText(label, "span", "pill", "loaded");
    return label;
  }

  function chosenModels() {
    return Array.prototype.filter.call(modelList.querySelectorAll("input[type=checkbox]"), function (box) {
      return box.checked && !box.disabled;
    }).map(function (box) { return box.value; });
  }

  function updateRunButton() {
    var busy = run !== null && !run.finished;
    runButton.disabled = busy || !image || chosenModels().length === 0;
    runButton.textContent = busy ? "Running…" : "Run";
  }

  function setStatus(text, isError) {
    status.textContent = text;
    status.className = isError ? "pg-status fail" : "pg-status";
    status.setAttribute("role", isError ? "alert" : "status");
  }

  /* ------------------------------------------------------------ choosing an image */

  function useFile(file) {
    if (!file) return;
    var limits = catalog.limits;
    if (file.type && !/^image\//.test(file.type)) {
      return setStatus(file.name + " is not an image (" + file.type + "); accepted: " + limits.formats.join(", ") + ".", true);
    }
    if (file.size > limits.max_bytes) {
      return setStatus(file.name + " is " + megabytes(file.size) + "; the limit is " + megabytes(limits.max_bytes) + ".", true);
    }
    var url = URL.createObjectURL(file);
    var probe = new Image();
    probe.onload = function () {
      if (image) URL.revokeObjectURL(image.url);
      image = { file: file, url: url, width: probe.naturalWidth, height: probe.naturalHeight };
      preview.src = url;
      preview.alt = "The chosen image: " + (file.name || "pasted image");
      preview.hidden = false;
      fileInfo.textContent = (file.name || "pasted image") + " · " + image.width + "×" + image.height + " · " + megabytes(file.size);
      setStatus("");
      updateRunButton();
    };
    probe.onerror = function () {
      URL.revokeObjectURL(url);
      setStatus((file.name || "The pasted file") + " could not be decoded as an image by this browser.", true);
    };
    probe.src = url;
  }

  function megabytes(bytes) {
    return (bytes / 1048576).toFixed(bytes < 1048576 ? 2 : 1) + " MB";
  }

  function hasFiles(event) {
    return event.dataTransfer && Array.prototype.indexOf.call(event.dataTransfer.types || [], "Files") >= 0;
  }

  /* ------------------------------------------------------------ running */

  function start(event) {
    event.preventDefault();
    var task = currentTask(), models = chosenModels();
    if (!image || !task || !models.length) return;
    var prompt = promptInput.value.trim();
    if (task.prompt_required && !prompt) {
      promptInput.focus();
      return setStatus("The task " + task.name + " needs a " + task.prompt_label.toLowerCase() + ".", true);
    }
    run = { task: task.id, boxes: task.boxes, prompt: prompt || task.default_prompt, models: models, lines: [],
            started: performance.now(), finished: false, colours: {} };
    models.forEach(function (modelId) { run.colours[modelId] = colourOf(modelId); });  // fixed for this run
    prepareResults(models, task);
    updateRunButton();
    setStatus("Running " + models.length + " model" + (models.length === 1 ? "" : "s") + "…");
    var body = new FormData();
    body.append("image", image.file, image.file.name || "upload.png");
    body.append("task", task.id);
    body.append("prompt", prompt);
    body.append("models", models.join(","));
    fetch(api + "run", { method: "POST", body: body })
      .then(function (response) {
        if (!response.ok) {
          return response.json().catch(function () { return { error: "HTTP " + response.status }; })
            .then(function (payload) { throw new Error(payload.error || "HTTP " + response.status); });
        }
        return readLines(response.body.getReader(), handleLine);
      })
      .then(function () {
        if (!run.finished) finish("The server closed the connection before every model answered.", true);
      })
      .catch(function (error) { finish(error.message, true); });
  }

  /* NDJSON: split the byte stream on newlines, hand each parsed line over as soon as it is whole. */
  function readLines(reader, onLine) {
    var decoder = new TextDecoder(), buffer = "";
    function pump() {
      return reader.read().then(function (chunk) {
        buffer += decoder.decode(chunk.value || new Uint8Array(), { stream: !chunk.done });
        var lines = buffer.split("\n");
        buffer = lines.pop();
        lines.forEach(function (line) { if (line.trim()) onLine(JSON.parse(line)); });
        if (chunk.done) {
          if (buffer.trim()) onLine(JSON.parse(buffer));
          return null;
        }
        return pump();
      });
    }
    return pump();
  }

  function handleLine(line) {
    if (line.done) {
      run.size = { width: line.width, height: line.height };
      var elapsed = ((performance.now() - run.started) / 1000).toFixed(1);
      return finish(run.lines.length + " of " + run.models.length + " models answered in " + elapsed + " s.", false);
    }
    run.lines.push(line);
    fillPanel(line);
    setStatus(run.lines.length + " of " + run.models.length + " models answered…");
  }

  function finish(message, isError) {
    run.finished = true;
    Array.prototype.forEach.call(panels.querySelectorAll(".pg-panel[aria-busy=true]"), function (panel) {
      panel.setAttribute("aria-busy", "false");
      panel.querySelector(".pg-state").textContent = "no answer";
    });
    setStatus(message, isError);
    download.hidden = run.lines.length === 0;
    updateRunButton();
  }

  /* ------------------------------------------------------------ showing results */

  function prepareResults(models, task) {
    results.hidden = false;
    download.hidden = true;
    panels.textContent = "";
    legend.textContent = "";
    combined.textContent = "";
    combined.appendChild(window.VLBoxes.shot(image.url, "Your image with every model's boxes", image.width, image.height, []));
    models.forEach(function (modelId) {
      var model = modelById(modelId), colour = run.colours[modelId];
      var panel = document.createElement("article");
      panel.className = "panel pg-panel c" + colour;
      panel.setAttribute("data-model", modelId);
      panel.setAttribute("aria-busy", "true");
      var head = document.createElement("h3");
      head.textContent = model.name + " ";
      var state = document.createElement("span");
      state.className = "pg-state small muted";
      state.textContent = "running…";
      head.appendChild(state);
      panel.appendChild(head);
      if (readsPrompt(model, task) === false && promptInput.value.trim()) {
        appendText(panel, "p", "small muted pg-note", model.name + " does not read the prompt text for this task: it was ignored.");
      }
      panels.appendChild(panel);

      var item = document.createElement("label");
      var toggle = document.createElement("input");
      toggle.type = "checkbox";
      toggle.checked = true;
      toggle.value = modelId;
      var swatch = document.createElement("span");
      swatch.className = "swatch c" + colour;
      item.appendChild(toggle);
      item.appendChild(document.createTextNode(" "));
      item.appendChild(swatch);
      item.appendChild(document.createTextNode(model.name));
      legend.appendChild(item);
    });
  }

  function boxesOf(line) {
    var s = line.structured || {};
    var boxes = (s.boxes || []).slice();
    (s.lines || []).forEach(function (l) { if (l.xyxy) boxes.push({ xyxy: l.xyxy, label: l.text, score: l.score }); });
    return boxes;
  }

  function fillPanel(line) {
    var panel = panels.querySelector('.pg-panel[data-model="' + line.model + '"]');
    var model = modelById(line.model);
    panel.setAttribute("aria-busy", "false");
    var state = panel.querySelector(".pg-state");
    state.textContent = line.error ? "failed" : "done";
    state.className = "pg-state small " + (line.error ? "fail" : "pass");
    if (line.error) {
      appendText(panel, "p", "pg-error fail small", "Error: " + line.error);
      return;
    }
    var raw = model.box_scores === "raw";
    var boxes = boxesOf(line).map(function (b) { return raw ? { xyxy: b.xyxy, label: b.label } : b; });
    var layer = { model: line.model, name: model.name, colour: run.colours[line.model], boxes: boxes };
    panel.appendChild(window.VLBoxes.shot(image.url, model.name + "'s boxes on your image", image.width, image.height, [layer]));
    window.VLBoxes.add(combined.querySelector(".shot"), layer);
    var s = line.structured || {};
    panel.appendChild(facts(line, s));
    if (s.lines && s.lines.length) {
      panel.appendChild(listOf("ol", "pg-lines", s.lines, function (l) { return l.text + score(l.score); }));
    }
    if (s.boxes && s.boxes.length) {
      panel.appendChild(listOf("ul", "pg-boxes", s.boxes, function (b) {
        var said = raw ? (typeof b.score === "number" ? ", detector score " + b.score.toFixed(2) : "") : score(b.score);
        return (b.label || "box") + said + " at [" + b.xyxy.map(Math.round).join(", ") + "]";
      }));
      if (raw) appendText(panel, "p", "small muted pg-note", "This detector's scores are its own raw numbers, not confidences between 0 and 1.");
    }
    // the answer as text, unless it is only the JSON of the boxes listed above (raw output has it)
    if (!(s.lines && s.lines.length) && !/^\s*\[/.test(line.output || "")) {
      appendText(panel, "p", "out", line.output || "(empty answer)");
    }
    var raw = document.createElement("details");
    appendText(raw, "summary", "small", "Raw output");
    appendText(raw, "pre", "out", line.output || "");
    panel.appendChild(raw);
  }

  function listOf(tag, className, items, text) {
    var list = document.createElement(tag);
    list.className = className + " small";
    items.forEach(function (item) { appendText(list, "li", "", text(item)); });
    return list;
  }

  function score(value) {
    return typeof value === "number" ? " (" + value.toFixed(2) + ")" : "";
  }

  function facts(line, s) {
    var list = document.createElement("dl");
    list.className = "kv small pg-facts";
    var rows = [["Latency", seconds(line.latency_s)]];
    if (line.load_s !== null) rows.push(["Loading", seconds(line.load_s)]);
    rows.push(["Tokens in / out", dash(line.input_tokens) + " / " + dash(line.output_tokens)]);
    if (s.lines && s.lines.length) rows.push(["Text lines", String(s.lines.length)]);
    if (run.boxes || (s.boxes && s.boxes.length)) rows.push(["Boxes", String((s.boxes || []).length)]);
    rows.forEach(function (row) {
      appendText(list, "dt", "", row[0]);
      appendText(list, "dd", "", row[1]);
    });
    return list;
  }

  function seconds(value) {
    if (value === null || value === undefined) return "—";
    return value < 1 ? Math.round(value * 1000) + " ms" : value.toFixed(2) + " s";
  }

  function dash(value) {
    return value === null || value === undefined ? "—" : String(value);
  }

  function appendText(parent, tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    node.textContent = text;
    parent.appendChild(node);
    return node;
  }

  function saveResults(event) {
    event.preventDefault();
    if (!run) return;
    var payload = {
      generator: "vision-leaderboard playground", created: new Date().toISOString(),
      image: { name: image.file.name || null, type: image.file.type || null, bytes: image.file.size,
               width: (run.size || image).width, height: (run.size || image).height },
      task: run.task, prompt: run.prompt, results: run.lines
    };
    var url = URL.createObjectURL(new Blob([JSON.stringify(payload, null, 2) + "\n"], { type: "application/json" }));
    var link = document.createElement("a");
    link.href = url;
    link.download = "playground-" + run.task + ".json";
    document.body.appendChild(link);
    link.click();
    link.remove();
    setTimeout(function () { URL.revokeObjectURL(url); }, 1000);
  }

  /* ------------------------------------------------------------ wiring */

  fileInput.addEventListener("change", function () { useFile(fileInput.files[0]); });
  ["dragenter", "dragover"].forEach(function (type) {
    drop.addEventListener(type, function (event) {
      if (!hasFiles(event)) return;
      event.preventDefault();
      event.dataTransfer.dropEffect = "copy";
      drop.classList.add("pg-over");
    });
  });
  drop.addEventListener("dragleave", function (event) {
    if (!drop.contains(event.relatedTarget)) drop.classList.remove("pg-over");
  });
  drop.addEventListener("drop", function (event) {
    event.preventDefault();
    drop.classList.remove("pg-over");
    if (event.dataTransfer && event.dataTransfer.files.length) useFile(event.dataTransfer.files[0]);
  });
  // a file dropped beside the zone must not make the browser navigate away from the page
  window.addEventListener("dragover", function (event) { if (hasFiles(event)) event.preventDefault(); });
  window.addEventListener("drop", function (event) { if (hasFiles(event)) event.preventDefault(); });
  document.addEventListener("paste", function (event) {
    if (form.hidden || !event.clipboardData) return;
    var item = Array.prototype.filter.call(event.clipboardData.items || [], function (i) {
      return i.kind === "file" && /^image\//.test(i.type);
    })[0];
    if (item) {
      event.preventDefault();
      useFile(item.getAsFile());
    }
  });
  taskSelect.addEventListener("change", showTask);
  modelList.addEventListener("change", updateRunButton);
  form.addEventListener("submit", start);
  legend.addEventListener("change", function (event) {
    var target = event.target;
    Array.prototype.forEach.call(results.querySelectorAll('[data-model="' + target.value + '"]'), function (node) {
      node.classList.toggle("hidden-model", !target.checked);
    });
  });
  download.addEventListener("click", saveResults);
  connect();
})();
