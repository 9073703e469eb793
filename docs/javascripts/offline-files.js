// The offline copy of the book (mkdocs-offline.yml) is opened from disk, where a page
// cannot fetch() a file of the site. The build writes the files that the book's scripts
// fetch (the digit widget's model) into window.NEURALBOOK_OFFLINE_FILES, and this script
// answers those requests from there; every other request goes to the real fetch.
(function () {
  "use strict";
  var files = window.NEURALBOOK_OFFLINE_FILES;
  if (!files || !window.fetch) return;
  var realFetch = window.fetch.bind(window);
  window.fetch = function (input, init) {
    var url = String(typeof input === "string" ? input : input.url).split(/[?#]/)[0];
    for (var name in files) {
      if (url === name || url.slice(-(name.length + 1)) === "/" + name) {
        return Promise.resolve(new Response(JSON.stringify(files[name]), {
          status: 200,
          headers: { "Content-Type": "application/json" },
        }));
      }
    }
    return realFetch(input, init);
  };
})();
