/*
 * Draw a digit: the reader draws on a canvas (mouse, pen or finger), the page turns the
 * drawing into the 28 x 28 image the network sees (NeuralBook.preprocess, the port of
 * neuralbook.preprocessing) and runs the book's trained network on it
 * (NeuralBook.forward), showing the ten probabilities as bars.
 *
 * Markup: <div id="digit-widget"></div> (or class="digit-widget"), then
 *   <script src=".../javascripts/neuralbook.js"></script>
 *   <script src=".../javascripts/digit-widget.js"></script>
 * The model is assets/digit-model.json beside this script's folder, so the page works
 * under any base path. data-model="URL" on the div overrides it.
 *
 * Each mounted element gets element.digitWidget = {ready, clear(), drawGrey(levels,
 * width, height), update(), last}, which the browser tests use.
 */
(function () {
  "use strict";

  var SCRIPT = document.currentScript;
  var MODEL_URL = new URL("../assets/digit-model.json", SCRIPT ? SCRIPT.src : document.baseURI).href;
  var PAD = 280; // drawing canvas, in canvas pixels (ten per MNIST pixel)
  var STROKE = 20; // pen width, in canvas pixels
  var models = {}; // one fetch per model URL, shared by the widgets of a page

  function element(tag, className, parent, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    if (parent) parent.appendChild(node);
    return node;
  }

  function percent(p) {
    return (100 * p).toFixed(1) + "%";
  }

  function mount(root) {
    if (root.digitWidget) return root.digitWidget;
    var NB = window.NeuralBook;
    root.classList.add("nb-digit");
    root.innerHTML = "";

    var pad = element("div", "nb-digit__pad", root);
    var canvas = element("canvas", "nb-digit__canvas", pad);
    canvas.width = PAD;
    canvas.height = PAD;
    canvas.setAttribute("role", "img");
    canvas.setAttribute("aria-label", "Drawing area: draw one digit here with the mouse, a pen or a finger");
    var tools = element("div", "nb-digit__tools", pad);
    var clear = element("button", "md-button nb-digit__clear", tools, "Clear");
    clear.type = "button";

    var seen = element("figure", "nb-digit__seen", root);
    var input = element("canvas", "nb-digit__input", seen);
    input.width = NB.FIELD_SIZE;
    input.height = NB.FIELD_SIZE;
    input.setAttribute("role", "img");
    input.setAttribute("aria-label", "The 28 by 28 image the network sees");
    element("figcaption", "", seen, "What the network sees");

    var chart = element("div", "nb-digit__bars", root);
    chart.setAttribute("role", "list");
    chart.setAttribute("aria-label", "The network's probability for each digit");
    var bars = [];
    for (var digit = 0; digit < 10; digit++) {
      var row = element("div", "nb-digit__row", chart);
      row.setAttribute("role", "listitem");
      element("span", "nb-digit__label", row, String(digit));
      var track = element("span", "nb-digit__track", row);
      var fill = element("span", "nb-digit__fill", track);
      var value = element("span", "nb-digit__value", row, "");
      bars.push({ row: row, fill: fill, value: value });
    }
    var status = element("p", "nb-digit__status", root, "Loading the trained network\u2026");
    status.setAttribute("aria-live", "polite");

    var ctx = canvas.getContext("2d", { willReadFrequently: true });
    var model = null;
    var api = { last: null };

    function blank() {
      ctx.fillStyle = "#000";
      ctx.fillRect(0, 0, PAD, PAD);
      input.getContext("2d").clearRect(0, 0, input.width, input.height);
      bars.forEach(function (bar) {
        bar.fill.style.width = "0";
        bar.value.textContent = "";
        bar.row.classList.remove("nb-digit__row--best");
      });
    }

    function showInput(x) {
      var ictx = input.getContext("2d"), image = ictx.createImageData(input.width, input.height);
      for (var i = 0; i < x.length; i++) {
        var v = Math.round(255 * x[i]);
        image.data[4 * i] = image.data[4 * i + 1] = image.data[4 * i + 2] = v;
        image.data[4 * i + 3] = 255;
      }
      ictx.putImageData(image, 0, 0);
    }

    // Read the canvas, preprocess, run the network, show everything. Returns the result.
    function update() {
      if (!model) return null;
      var pixels = ctx.getImageData(0, 0, PAD, PAD);
      var x;
      try {
        x = NB.preprocess(NB.greyFromRGBA(pixels.data, PAD, PAD));
      } catch (error) {
        if (!(error instanceof NB.BlankImageError)) throw error;
        blank();
        status.textContent = "Draw a digit, from zero to nine, in the black square.";
        api.last = null;
        return null;
      }
      var probabilities = NB.forward(model, x);
      var best = 0;
      for (var k = 1; k < probabilities.length; k++) if (probabilities[k] > probabilities[best]) best = k;
      showInput(x);
      bars.forEach(function (bar, k) {
        bar.fill.style.width = (100 * probabilities[k]).toFixed(2) + "%";
        bar.value.textContent = percent(probabilities[k]);
        bar.row.classList.toggle("nb-digit__row--best", k === best);
      });
      status.textContent = "The network reads a " + best + ", with probability " + percent(probabilities[best]) + ".";
      api.last = { prediction: best, probabilities: Array.from(probabilities), input: Array.from(x) };
      return api.last;
    }

    var scheduled = false;
    function scheduleUpdate() {
      if (scheduled) return;
      scheduled = true;
      window.requestAnimationFrame(function () {
        scheduled = false;
        update();
      });
    }

    // Drawing with pointer events: one code path for mouse, pen and touch.
    var last = null;
    function point(event) {
      var rect = canvas.getBoundingClientRect();
      return [(event.clientX - rect.left) * PAD / rect.width, (event.clientY - rect.top) * PAD / rect.height];
    }
    function pen() {
      ctx.strokeStyle = "#fff";
      ctx.fillStyle = "#fff";
      ctx.lineWidth = STROKE;
      ctx.lineCap = "round";
      ctx.lineJoin = "round";
    }
    canvas.addEventListener("pointerdown", function (event) {
      if (event.button !== undefined && event.button > 0) return;
      event.preventDefault();
      canvas.setPointerCapture(event.pointerId);
      last = point(event);
      pen();
      ctx.beginPath();
      ctx.arc(last[0], last[1], STROKE / 2, 0, 2 * Math.PI);
      ctx.fill();
      scheduleUpdate();
    });
    canvas.addEventListener("pointermove", function (event) {
      if (!last) return;
      event.preventDefault();
      var events = event.getCoalescedEvents ? event.getCoalescedEvents() : [event];
      if (!events.length) events = [event];
      pen();
      ctx.beginPath();
      ctx.moveTo(last[0], last[1]);
      events.forEach(function (e) {
        last = point(e);
        ctx.lineTo(last[0], last[1]);
      });
      ctx.stroke();
      scheduleUpdate();
    });
    function stop() {
      if (!last) return;
      last = null;
      update();
    }
    canvas.addEventListener("pointerup", stop);
    canvas.addEventListener("pointercancel", stop);

    api.clear = function () {
      blank();
      status.textContent = model ? "Draw a digit, from zero to nine, in the black square." : status.textContent;
      api.last = null;
    };
    clear.addEventListener("click", api.clear);

    // Paint grey levels in [0, 1] (white ink on black, row-major) over the whole pad,
    // scaled smoothly, as if drawn; then read it like any drawing.
    api.drawGrey = function (levels, width, height) {
      var source = document.createElement("canvas");
      source.width = width;
      source.height = height;
      var sctx = source.getContext("2d"), image = sctx.createImageData(width, height);
      for (var i = 0; i < width * height; i++) {
        var v = Math.round(255 * levels[i]);
        image.data[4 * i] = image.data[4 * i + 1] = image.data[4 * i + 2] = v;
        image.data[4 * i + 3] = 255;
      }
      sctx.putImageData(image, 0, 0);
      blank();
      ctx.imageSmoothingEnabled = true;
      ctx.imageSmoothingQuality = "high";
      ctx.drawImage(source, 0, 0, PAD, PAD);
      return update();
    };
    api.update = update;
    api.canvas = canvas;

    blank();
    var url = root.getAttribute("data-model") || MODEL_URL;
    models[url] = models[url] || NB.loadModel(url);
    api.ready = models[url].then(function (loaded) {
      model = loaded;
      api.model = loaded;
      root.classList.add("nb-digit--ready");
      status.textContent = "Draw a digit, from zero to nine, in the black square.";
      return api;
    }, function (error) {
      status.textContent = "The trained network could not be loaded (" + error.message + ").";
      throw error;
    });
    root.digitWidget = api;
    return api;
  }

  function mountAll() {
    document.querySelectorAll("#digit-widget, .digit-widget").forEach(mount);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", mountAll);
  else mountAll();
})();
