/*
 * One perceptron, by hand: sliders for the weights w1, w2 and the bias b, and the plane
 * of the two inputs with the four points of a logic gate. The shaded side of the line
 * w1 x1 + w2 x2 + b = 0 is where the perceptron answers 1 (z >= 0, as
 * neuralbook.perceptron.step); the reader moves the line until every point is right,
 * and finds that for XOR no line will do.
 *
 * Markup: <div class="neuron-widget" data-gate="AND" data-w1="1" data-w2="1" data-b="-0.5">
 *           <script src=".../javascripts/widget-parts.js"></script>
 *           <script src=".../javascripts/neuron-widget.js"></script></div>
 * Each mounted element gets element.neuronWidget = {set(w1, w2, b, gate), state()}.
 */
(function () {
  "use strict";

  var SVG = "http://www.w3.org/2000/svg";
  var INPUTS = [[0, 0], [0, 1], [1, 0], [1, 1]];
  var GATES = { AND: [0, 0, 0, 1], OR: [0, 1, 1, 1], NAND: [1, 1, 1, 0], XOR: [0, 1, 1, 0] };
  var LOW = -0.5, HIGH = 1.5, SIZE = 240; // the plane shown, and its size in SVG units

  function sx(x) { return (x - LOW) / (HIGH - LOW) * SIZE; }
  function sy(y) { return SIZE - (y - LOW) / (HIGH - LOW) * SIZE; }

  var node = window.NeuralBookWidgets.node;

  function step(z) { return z >= 0 ? 1 : 0; }

  // The part of the square [LOW, HIGH]^2 where w1 x1 + w2 x2 + b >= 0 (Sutherland-Hodgman
  // against one half-plane), and the segment of the line inside the square.
  function halfPlane(w1, w2, b) {
    var corners = [[LOW, LOW], [HIGH, LOW], [HIGH, HIGH], [LOW, HIGH]];
    var z = function (p) { return w1 * p[0] + w2 * p[1] + b; };
    var polygon = [], crossings = [];
    for (var i = 0; i < 4; i++) {
      var p = corners[i], q = corners[(i + 1) % 4], zp = z(p), zq = z(q);
      if (zp >= 0) polygon.push(p);
      if ((zp >= 0) !== (zq >= 0)) {
        var t = zp / (zp - zq), cross = [p[0] + t * (q[0] - p[0]), p[1] + t * (q[1] - p[1])];
        polygon.push(cross);
        crossings.push(cross);
      }
    }
    return { polygon: polygon, line: crossings.length === 2 ? crossings : null };
  }

  function format(v) {
    return (v < 0 ? "\u2212" : "") + Math.abs(v).toFixed(1);
  }

  function mount(root) {
    if (root.neuronWidget) return root.neuronWidget;
    root.innerHTML = "";
    root.classList.add("nb-neuron");
    var gate = root.getAttribute("data-gate") || "AND";

    var controls = node("div", { class: "nb-neuron__controls" }, root);
    var gates = node("div", { class: "nb-neuron__gates", role: "radiogroup", "aria-label": "Logic gate" }, controls);
    var gateButtons = {};
    Object.keys(GATES).forEach(function (name) {
      var button = node("button", { type: "button", class: "md-button nb-neuron__gate", text: name }, gates);
      button.addEventListener("click", function () { gate = name; draw(); });
      gateButtons[name] = button;
    });
    var sliders = {};
    [["w1", "w\u2081", "weight of x\u2081"], ["w2", "w\u2082", "weight of x\u2082"], ["b", "b", "bias"]].forEach(function (s) {
      sliders[s[0]] = window.NeuralBookWidgets.slider(controls, {
        name: s[1], min: "-2", max: "2", step: "0.1", value: root.getAttribute("data-" + s[0]) || "0", label: s[2],
      }, draw);
    });
    var formula = node("p", { class: "nb-neuron__formula" }, controls);
    var score = node("p", { class: "nb-neuron__score", "aria-live": "polite" }, controls);

    var svg = node("svg", {
      class: "nb-neuron__plane", viewBox: "-28 -8 " + (SIZE + 36) + " " + (SIZE + 36), role: "img",
      "aria-label": "The plane of the inputs x1 and x2, the four points of the gate, and the perceptron's line",
    }, root, SVG);
    node("rect", { x: 0, y: 0, width: SIZE, height: SIZE, class: "nb-neuron__frame" }, svg, SVG);
    var region = node("polygon", { class: "nb-neuron__region" }, svg, SVG);
    [0, 1].forEach(function (v) {
      node("line", { x1: sx(v), y1: 0, x2: sx(v), y2: SIZE, class: "nb-neuron__grid" }, svg, SVG);
      node("line", { x1: 0, y1: sy(v), x2: SIZE, y2: sy(v), class: "nb-neuron__grid" }, svg, SVG);
      node("text", { x: sx(v), y: SIZE + 16, class: "nb-neuron__tick", text: String(v) }, svg, SVG);
      node("text", { x: -10, y: sy(v) + 4, class: "nb-neuron__tick", text: String(v) }, svg, SVG);
    });
    node("text", { x: SIZE - 4, y: SIZE + 16, class: "nb-neuron__axis", text: "x\u2081" }, svg, SVG);
    node("text", { x: -22, y: 12, class: "nb-neuron__axis", text: "x\u2082" }, svg, SVG);
    var line = node("line", { class: "nb-neuron__line" }, svg, SVG);
    var points = INPUTS.map(function (p) {
      var group = node("g", {}, svg, SVG);
      var circle = node("circle", { cx: sx(p[0]), cy: sy(p[1]), r: 11 }, group, SVG);
      var mark = node("text", { x: sx(p[0]) + 14, y: sy(p[1]) - 10, class: "nb-neuron__mark" }, group, SVG);
      return { circle: circle, mark: mark };
    });

    var current = null;
    function draw() {
      var w1 = parseFloat(sliders.w1.input.value), w2 = parseFloat(sliders.w2.input.value);
      var b = parseFloat(sliders.b.input.value);
      Object.keys(sliders).forEach(function (k) { sliders[k].out.textContent = format(parseFloat(sliders[k].input.value)); });
      Object.keys(gateButtons).forEach(function (name) {
        gateButtons[name].classList.toggle("md-button--primary", name === gate);
        gateButtons[name].setAttribute("aria-checked", String(name === gate));
        gateButtons[name].setAttribute("role", "radio");
      });
      var shape = halfPlane(w1, w2, b);
      region.setAttribute("points", shape.polygon.map(function (p) { return sx(p[0]) + "," + sy(p[1]); }).join(" "));
      if (shape.line) {
        line.setAttribute("x1", sx(shape.line[0][0]));
        line.setAttribute("y1", sy(shape.line[0][1]));
        line.setAttribute("x2", sx(shape.line[1][0]));
        line.setAttribute("y2", sy(shape.line[1][1]));
        line.style.display = "";
      } else {
        line.style.display = "none";
      }
      var targets = GATES[gate], outputs = [], right = 0;
      INPUTS.forEach(function (p, i) {
        var y = step(w1 * p[0] + w2 * p[1] + b);
        outputs.push(y);
        var ok = y === targets[i];
        right += ok ? 1 : 0;
        points[i].circle.setAttribute("class", "nb-neuron__point nb-neuron__point--" + (targets[i] ? "one" : "zero") +
          (ok ? "" : " nb-neuron__point--wrong"));
        points[i].mark.textContent = ok ? "\u2713" : "\u2717";
        points[i].mark.setAttribute("class", "nb-neuron__mark nb-neuron__mark--" + (ok ? "right" : "wrong"));
      });
      var signed = function (v) { return (v < 0 ? " \u2212 " : " + ") + Math.abs(v).toFixed(1); };
      formula.textContent = "z = " + format(w1) + " x\u2081" + signed(w2) + " x\u2082" + signed(b) +
        "; the shaded side is z \u2265 0, where the perceptron answers 1.";
      var words = ["none", "one", "two", "three", "all four"];
      score.textContent = gate + ": " + words[right] + " of the four points right" +
        (right === 4 ? ". The line separates the gate." : gate === "XOR" ? ". Can any line do better?" : ".");
      current = { w1: w1, w2: w2, b: b, gate: gate, outputs: outputs, right: right, line: shape.line };
    }

    var api = {
      set: function (w1, w2, b, name) {
        sliders.w1.input.value = String(w1);
        sliders.w2.input.value = String(w2);
        sliders.b.input.value = String(b);
        if (name) gate = name;
        draw();
        return current;
      },
      state: function () { return current; },
    };
    draw();
    root.neuronWidget = api;
    return api;
  }

  window.NeuralBookWidgets.mountAll(".neuron-widget", mount);
})();
