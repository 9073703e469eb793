// The copy button of an interactive example (">>> " lines) copies only the code, without
// the prompts and without the printed output, so that what is copied runs when pasted.
// Material's clipboard uses a button's data-clipboard-text when it has one; this listener
// runs in the capture phase, before Material's, and sets it.
(function () {
  "use strict";

  // The runnable code of an example's text, or null if it has no ">>> " prompts.
  function runnableCode(text) {
    var lines = text.replace(/\n$/, "").split("\n");
    if (!lines.some(function (line) { return /^>>> ?/.test(line); })) return null;
    var code = [];
    lines.forEach(function (line) {
      var prompt = /^(>>>|\.\.\.)( |$)/.exec(line);
      if (prompt) code.push(line.slice(prompt[0].length));
    });
    return code.join("\n") + "\n";
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest(".md-clipboard, .md-code__button[data-md-type=\"copy\"]");
    if (!button) return;
    var target = document.querySelector(button.getAttribute("data-clipboard-target"));
    if (!target) return;
    var code = runnableCode(target.textContent);
    if (code !== null) button.setAttribute("data-clipboard-text", code);
  }, true);

  window.neuralbookRunnableCode = runnableCode;
})();
