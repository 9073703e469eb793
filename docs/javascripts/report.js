// "Report a problem with this page" (mkdocs_hooks.py writes the link under each title):
// when the reader follows it, the prefilled issue also names the section they are
// reading, the last heading above the top of the window (or the one in the address).
(function () {
  "use strict";

  function currentSection() {
    var headings = Array.prototype.slice.call(
      document.querySelectorAll(".md-content h2[id], .md-content h3[id]"));
    var hash = decodeURIComponent(location.hash.slice(1));
    var named = headings.filter(function (h) { return h.id === hash; })[0];
    var section = named || null;
    if (!section) {
      headings.forEach(function (h) { if (h.getBoundingClientRect().top < 80) section = h; });
    }
    if (!section) return "";
    var copy = section.cloneNode(true);
    copy.querySelectorAll(".headerlink").forEach(function (a) { a.remove(); });
    return copy.textContent.trim();
  }

  function reportUrl(link, section) {
    var title = link.getAttribute("data-title");
    var pageUrl = link.getAttribute("data-page-url") || location.href.split("#")[0];
    var body = "Page: " + title + "\nAddress: " + pageUrl + "\nSection: " +
      (section || "(the page as a whole)") + "\n\n" +
      "What is wrong (a number, a formula, an example that fails, a typo), and what you expected:\n";
    var issueTitle = 'Problem on the page "' + title + '"' + (section ? ', section "' + section + '"' : "");
    return link.getAttribute("data-repository").replace(/\/$/, "") + "/issues/new?title=" +
      encodeURIComponent(issueTitle) + "&body=" + encodeURIComponent(body);
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a.nb-report");
    if (link) link.href = reportUrl(link, currentSection());
  }, true);

  window.NeuralBookReport = { currentSection: currentSection, reportUrl: reportUrl };
})();
