/*
 * Universal approximation by bumps: sliders for the number of bumps and the steepness of
 * the hidden sigmoids, and the curve of the chapter with the network's staircase over it.
 * The arithmetic is that of neuralbook.xor.bump, sum_of_bumps and wiggly_curve: each
 * bump is height * sigma(k (x - left)) - height * sigma(k (x - right)), as high as the
 * curve at the middle of its piece of [0, 1], and the first and last bumps reach one piece
 * beyond the ends.
 *
 * Markup: <div class="bump-widget" data-bumps="5" data-steepness="500">
 *           <script src=".../javascripts/widget-parts.js"></script>
 *           <script src=".../javascripts/bump-widget.js"></script></div>
 * Each mounted element gets element.bumpWidget = {set(bumps, steepness), state()}.
 */
(function () {
  "use strict";

  var SVG = "http://www.w3.org/2000/svg";
  var WIDTH = 320, HEIGHT = 200, SAMPLES = 401, Y_LOW = -0.05, Y_HIGH = 1.0;

  function sx(x) { return x * WIDTH; }
  function sy(y) { return HEIGHT - (y - Y_LOW) / (Y_HIGH - Y_LOW) * HEIGHT; }

  var node = window.NeuralBookWidgets.node;

  // neuralbook.xor.wiggly_curve
  function curve(x) { return 0.2 + 0.4 * x * x + 0.3 * x * Math.sin(15 * x); }

  // neuralbook.activations.sigmoid: the exponent is -|z|, so it never overflows.
  function sigmoid(z) {
    var e = Math.exp(-Math.abs(z));
    return z >= 0 ? 1 / (1 + e) : e / (1 + e);
  }

  // neuralbook.xor.bump: two hidden neurons, output weights height and -height.
  function bump(x, left, right, height, steepness) {
    return height * sigmoid(steepness * (x - left)) - height * sigmoid(steepness * (x - right));
  }

  // neuralbook.xor.sum_of_bumps on [0, 1].
  function sumOfBumps(x, bumps, steepness) {
    var width = 1 / bumps, total = 0;
    for (var i = 0; i < bumps; i++) {
      var left = i / bumps, right = (i + 1) / bumps, height = curve((left + right) / 2);
      if (i === 0) left -= width;
      if (i === bumps - 1) right += width;
      total += bump(x, left, right, height, steepness);
    }
    return total;
  }

  function polyline(xs, ys) {
    return xs.map(function (x, i) { return sx(x).toFixed(2) + "," + sy(ys[i]).toFixed(2); }).join(" ");
  }

  function mount(root) {
    if (root.bumpWidget) return root.bumpWidget;
    root.innerHTML = "";
    root.classList.add("nb-neuron");

    var controls = node("div", { class: "nb-neuron__controls" }, root);
    var sliders = {
      bumps: window.NeuralBookWidgets.slider(controls, {
        name: "bumps", min: "1", max: "40", step: "1", value: root.getAttribute("data-bumps") || "1",
        label: "number of bumps",
      }, draw),
      steepness: window.NeuralBookWidgets.slider(controls, {
        name: "k", min: "10", max: "4000", step: "10", value: root.getAttribute("data-steepness") || "10",
        label: "steepness of the hidden sigmoids",
      }, draw),
    };
    var formula = node("p", { class: "nb-neuron__formula" }, controls);
    var score = node("p", { class: "nb-neuron__score", "aria-live": "polite" }, controls);

    var svg = node("svg", {
      class: "nb-neuron__plane", viewBox: "-30 -8 " + (WIDTH + 40) + " " + (HEIGHT + 30), role: "img",
      "aria-label": "The curve and the output of a one-hidden-layer network made of bumps",
    }, root, SVG);
    node("rect", { x: 0, y: 0, width: WIDTH, height: HEIGHT, class: "nb-neuron__frame" }, svg, SVG);
    [0, 0.5, 1].forEach(function (v) {
      node("line", { x1: sx(v), y1: 0, x2: sx(v), y2: HEIGHT, class: "nb-neuron__grid" }, svg, SVG);
      node("text", { x: sx(v), y: HEIGHT + 16, class: "nb-neuron__tick", text: String(v) }, svg, SVG);
      node("line", { x1: 0, y1: sy(v), x2: WIDTH, y2: sy(v), class: "nb-neuron__grid" }, svg, SVG);
      node("text", { x: -14, y: sy(v) + 4, class: "nb-neuron__tick", text: String(v) }, svg, SVG);
    });
    var xs = [];
    for (var i = 0; i < SAMPLES; i++) xs.push(i / (SAMPLES - 1));
    var target = xs.map(curve);
    node("polyline", {
      points: polyline(xs, target), fill: "none", stroke: "currentColor", "stroke-opacity": "0.35", "stroke-width": "5",
    }, svg, SVG);
    var staircase = node("polyline", {
      fill: "none", stroke: "var(--md-primary-fg-color)", "stroke-width": "2",
    }, svg, SVG);

    var current = null;
    function draw() {
      var bumps = parseInt(sliders.bumps.input.value, 10), steepness = parseFloat(sliders.steepness.input.value);
      sliders.bumps.out.textContent = String(bumps);
      sliders.steepness.out.textContent = String(steepness);
      var output = xs.map(function (x) { return sumOfBumps(x, bumps, steepness); });
      var gap = 0;
      output.forEach(function (y, j) { gap = Math.max(gap, Math.abs(y - target[j])); });
      staircase.setAttribute("points", polyline(xs, output.map(function (y) {
        return Math.min(Math.max(y, Y_LOW - 0.2), Y_HIGH + 0.2);
      })));
      formula.textContent = bumps + (bumps === 1 ? " bump" : " bumps") + ": one hidden layer of " + 2 * bumps +
        " sigmoid neurons with steepness " + steepness + ".";
      score.textContent = "Largest gap between the curve and the network: " + gap.toFixed(3) + ".";
      current = { bumps: bumps, steepness: steepness, x: xs, output: output, gap: gap };
    }

    var api = {
      set: function (bumps, steepness) {
        sliders.bumps.input.value = String(bumps);
        sliders.steepness.input.value = String(steepness);
        draw();
        return current;
      },
      state: function () { return current; },
    };
    draw();
    root.bumpWidget = api;
    return api;
  }

  window.NeuralBookWidgets.mountAll(".bump-widget", mount);
})();
