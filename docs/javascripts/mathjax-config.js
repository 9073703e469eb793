// MathJax 3 configuration for pymdownx.arithmatex (generic mode).
// MathJax itself is served from assets/mathjax/, copied there at build time from the
// django-static-mathjax package: no CDN, so formulas render offline.
window.MathJax = {
  tex: {
    inlineMath: [["\\(", "\\)"]],
    displayMath: [["\\[", "\\]"]],
    processEscapes: true,
    processEnvironments: true,
  },
  options: {
    ignoreHtmlClass: ".*|",
    processHtmlClass: "arithmatex",
  },
  // Fonts and extensions load relative to tex-chtml.js itself, so any base path works.
};
