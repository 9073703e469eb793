/*
 * The parts the book's slider widgets share (bump-widget.js, neuron-widget.js): making
 * elements, a labelled range slider, and mounting every widget of a page once the page
 * is read. Load it before the widget:
 *
 *   <script src=".../javascripts/widget-parts.js"></script><script src=".../javascripts/bump-widget.js"></script>
 *
 * It defines window.NeuralBookWidgets = {node, slider, mountAll}.
 */
(function (global) {
  "use strict";

  // An element (in namespace ns, e.g. SVG's, if given) with these attributes, appended
  // to parent; the attribute "text" sets its text instead.
  function node(tag, attributes, parent, ns) {
    var el = ns ? document.createElementNS(ns, tag) : document.createElement(tag);
    Object.keys(attributes || {}).forEach(function (key) {
      if (key === "text") el.textContent = attributes[key];
      else el.setAttribute(key, attributes[key]);
    });
    if (parent) parent.appendChild(el);
    return el;
  }

  // A range slider with its name and its value, in a <label> inside controls. spec has
  // name, min, max, step, value and label (the accessible name); onInput runs on every move.
  // Returns {input, out}: write the value shown into out.textContent.
  function slider(controls, spec, onInput) {
    var label = node("label", { class: "nb-neuron__slider" }, controls);
    node("span", { class: "nb-neuron__name", text: spec.name }, label);
    var input = node("input", {
      type: "range", min: spec.min, max: spec.max, step: spec.step, value: spec.value, "aria-label": spec.label,
    }, label);
    var out = node("output", { class: "nb-neuron__value" }, label);
    input.addEventListener("input", onInput);
    return { input: input, out: out };
  }

  // mount(element) for every element matching selector, as soon as the page is read.
  function mountAll(selector, mount) {
    function run() { document.querySelectorAll(selector).forEach(mount); }
    if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", run);
    else run();
  }

  global.NeuralBookWidgets = { node: node, slider: slider, mountAll: mountAll };
})(window);
