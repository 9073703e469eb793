// A formula in a sentence cannot wrap: on a narrow screen a long one would stick out of
// the page and be cut off. Once MathJax has typeset the page (and whenever the window
// changes width), each in-line formula wider than its paragraph gets a line of its own
// that scrolls sideways inside its box (book.css: .nb-wide-formula). Display formulas
// scroll inside their box already.
(function () {
  "use strict";

  function mark() {
    var formulas = document.querySelectorAll(".md-typeset span.arithmatex");
    formulas.forEach(function (formula) { formula.classList.remove("nb-wide-formula"); });
    formulas.forEach(function (formula) {
      // The typeset formula is one unbreakable box; the span around it may wrap.
      var typeset = formula.querySelector("mjx-container") || formula;
      var container = formula.parentElement;
      if (container && typeset.getBoundingClientRect().width > container.clientWidth + 1) {
        formula.classList.add("nb-wide-formula");
      }
    });
  }

  function whenTypeset() {
    if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
      MathJax.startup.promise.then(mark);
    } else {
      setTimeout(whenTypeset, 50);
    }
  }

  var width = window.innerWidth;
  window.addEventListener("resize", function () {
    if (window.innerWidth !== width) { width = window.innerWidth; mark(); }
  });
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", whenTypeset);
  else whenTypeset();
  window.NeuralBookWideFormulas = { mark: mark };
})();
