/*
 * neuralbook.js: the book's network and preprocessing, in plain JavaScript.
 *
 * Two ports of the Python package, kept number for number in step with it (the browser
 * tests compare them on real MNIST digits):
 *
 *  - preprocess(...) is neuralbook.preprocessing.preprocess_drawing: grey levels, invert
 *    if the border is light, remove the background, crop to the ink, fit in 20 x 20 by
 *    area averaging, centre by mass in 28 x 28, scale the brightest pixel to 1;
 *  - forward(model, x) is Network.forward for one sample, on a model written by
 *    neuralbook.web.export_web (float32 weights, computed here in float64).
 *
 * No framework, no server, no network access beyond fetching the model file.
 */
(function (global) {
  "use strict";

  // The constants of neuralbook.preprocessing.
  var FIELD_SIZE = 28;
  var BOX_SIZE = 20;
  var CENTER = [14.0, 14.0];
  var INK_THRESHOLD = 0.2;
  var MIN_CONTRAST = 0.1;
  var INVERT_LEVEL = 0.5;
  var LUMA = [0.299, 0.587, 0.114];

  function BlankImageError(message) {
    this.name = "BlankImageError";
    this.message = message;
  }
  BlankImageError.prototype = Object.create(Error.prototype);

  // An image is {width, height, data: Float64Array of height * width}, row-major.
  function makeImage(height, width) {
    return { height: height, width: width, data: new Float64Array(height * width) };
  }

  // read_grayscale for RGBA bytes (a canvas's ImageData): luma, composited over white.
  function greyFromRGBA(rgba, width, height) {
    var image = makeImage(height, width);
    for (var i = 0, n = width * height; i < n; i++) {
      var r = rgba[4 * i] / 255, g = rgba[4 * i + 1] / 255, b = rgba[4 * i + 2] / 255;
      var alpha = rgba[4 * i + 3] / 255;
      var grey = r * LUMA[0] + g * LUMA[1] + b * LUMA[2];
      image.data[i] = alpha * grey + (1.0 - alpha);
    }
    return image;
  }

  // read_grayscale for grey levels already in [0, 1] (an array of height * width).
  function greyFromLevels(levels, width, height) {
    var image = makeImage(height, width);
    for (var i = 0; i < width * height; i++) image.data[i] = levels[i];
    return image;
  }

  // np.median of the one-pixel frame of an image, each pixel once.
  function borderMedian(image) {
    var h = image.height, w = image.width, d = image.data, values = [], r, c;
    if (h <= 2 || w <= 2) {
      values = Array.prototype.slice.call(d);
    } else {
      for (c = 0; c < w; c++) values.push(d[c]);
      for (c = 0; c < w; c++) values.push(d[(h - 1) * w + c]);
      for (r = 1; r < h - 1; r++) values.push(d[r * w]);
      for (r = 1; r < h - 1; r++) values.push(d[r * w + w - 1]);
    }
    values.sort(function (a, b) { return a - b; });
    var n = values.length, m = n >> 1;
    return n % 2 ? values[m] : (values[m - 1] + values[m]) / 2;
  }

  function maxOf(data) {
    var m = -Infinity;
    for (var i = 0; i < data.length; i++) if (data[i] > m) m = data[i];
    return m;
  }

  function invertIfNeeded(grey) {
    if (!(borderMedian(grey) > INVERT_LEVEL)) return grey;
    var out = makeImage(grey.height, grey.width);
    for (var i = 0; i < grey.data.length; i++) out.data[i] = 1.0 - grey.data[i];
    return out;
  }

  function removeBackground(ink) {
    var background = borderMedian(ink);
    var out = makeImage(ink.height, ink.width);
    for (var i = 0; i < ink.data.length; i++) out.data[i] = Math.max(ink.data[i] - background, 0.0);
    var brightest = maxOf(out.data);
    if (brightest < MIN_CONTRAST) {
      throw new BlankImageError("the image has no ink: its brightest pixel stands out from the background by " +
        brightest.toFixed(3) + ", less than " + MIN_CONTRAST);
    }
    return out;
  }

  function cropToInk(ink) {
    var h = ink.height, w = ink.width, d = ink.data, limit = INK_THRESHOLD * maxOf(d);
    var top = h, bottom = -1, left = w, right = -1;
    for (var r = 0; r < h; r++) {
      for (var c = 0; c < w; c++) {
        if (d[r * w + c] > limit) {
          if (r < top) top = r;
          if (r > bottom) bottom = r;
          if (c < left) left = c;
          if (c > right) right = c;
        }
      }
    }
    if (bottom < 0) throw new BlankImageError("the image has no ink: every pixel is background");
    var out = makeImage(bottom - top + 1, right - left + 1);
    for (r = top; r <= bottom; r++) {
      for (c = left; c <= right; c++) out.data[(r - top) * out.width + (c - left)] = d[r * w + c];
    }
    return out;
  }

  // area_weights(n_in, n_out): row j holds the overlap of [j s, (j + 1) s) with each
  // input pixel [i, i + 1), divided by s = n_in / n_out.
  function areaWeights(nIn, nOut) {
    var s = nIn / nOut, weights = [];
    for (var j = 0; j < nOut; j++) {
      var row = new Float64Array(nIn), start = j * s;
      for (var i = 0; i < nIn; i++) {
        var overlap = Math.min(start + s, i + 1) - Math.max(start, i);
        row[i] = Math.max(overlap, 0.0) / s;
      }
      weights.push(row);
    }
    return weights;
  }

  // area_weights(rows) @ image @ area_weights(columns).T
  function areaResize(image, height, width) {
    var Wr = areaWeights(image.height, height), Wc = areaWeights(image.width, width);
    var rows = makeImage(height, image.width), out = makeImage(height, width), r, c, k, sum;
    for (r = 0; r < height; r++) {
      for (c = 0; c < image.width; c++) {
        sum = 0;
        for (k = 0; k < image.height; k++) sum += Wr[r][k] * image.data[k * image.width + c];
        rows.data[r * image.width + c] = sum;
      }
    }
    for (r = 0; r < height; r++) {
      for (c = 0; c < width; c++) {
        sum = 0;
        for (k = 0; k < image.width; k++) sum += rows.data[r * image.width + k] * Wc[c][k];
        out.data[r * width + c] = sum;
      }
    }
    return out;
  }

  function roundHalfUp(x) { return Math.floor(x + 0.5); }

  function fitInBox(ink) {
    var longest = Math.max(ink.height, ink.width);
    var height = Math.max(1, roundHalfUp(ink.height * BOX_SIZE / longest));
    var width = Math.max(1, roundHalfUp(ink.width * BOX_SIZE / longest));
    return areaResize(ink, height, width);
  }

  // Row and column sums first, then the weighted means, in the order NumPy computes them.
  function centerOfMass(image) {
    var h = image.height, w = image.width, rowSums = new Float64Array(h), columnSums = new Float64Array(w);
    var total = 0, rows = 0, columns = 0, r, c;
    for (r = 0; r < h; r++) {
      for (c = 0; c < w; c++) {
        var v = image.data[r * w + c];
        rowSums[r] += v;
        columnSums[c] += v;
        total += v;
      }
    }
    for (r = 0; r < h; r++) rows += r * rowSums[r];
    for (c = 0; c < w; c++) columns += c * columnSums[c];
    return [rows / total, columns / total];
  }

  function centerByMass(digit) {
    var mass = centerOfMass(digit);
    var top = roundHalfUp(CENTER[0] - mass[0]), left = roundHalfUp(CENTER[1] - mass[1]);
    var field = makeImage(FIELD_SIZE, FIELD_SIZE);
    for (var r = Math.max(0, top); r < Math.min(FIELD_SIZE, top + digit.height); r++) {
      for (var c = Math.max(0, left); c < Math.min(FIELD_SIZE, left + digit.width); c++) {
        field.data[r * FIELD_SIZE + c] = digit.data[(r - top) * digit.width + (c - left)];
      }
    }
    return field;
  }

  // The network's input: the brightest pixel scaled to 1, rounded to float32 as in Python.
  function scaleToUnit(field) {
    var brightest = maxOf(field.data), out = new Float32Array(field.data.length);
    for (var i = 0; i < out.length; i++) out[i] = Math.fround(field.data[i] / brightest);
    return out;
  }

  /**
   * preprocess_drawing: every step, for showing (the same names as drawing_steps).
   * `grey` is an image from greyFromRGBA or greyFromLevels. Throws BlankImageError.
   */
  function preprocessSteps(grey) {
    var steps = { grey: grey };
    steps.inverted = invertIfNeeded(grey);
    steps["background removed"] = removeBackground(steps.inverted);
    steps.cropped = cropToInk(steps["background removed"]);
    steps.fitted = fitInBox(steps.cropped);
    steps.centred = centerByMass(steps.fitted);
    steps.input = scaleToUnit(steps.centred);
    return steps;
  }

  function preprocess(grey) { return preprocessSteps(grey).input; }

  // --- The network -------------------------------------------------------------------

  function decodeFloat32(text, count) {
    var bytes = global.atob(text);
    if (bytes.length !== 4 * count) {
      throw new Error("expected " + count + " float32 values, got " + bytes.length + " bytes");
    }
    var buffer = new ArrayBuffer(bytes.length), view = new DataView(buffer);
    for (var i = 0; i < bytes.length; i++) view.setUint8(i, bytes.charCodeAt(i));
    var out = new Float32Array(count);
    for (i = 0; i < count; i++) out[i] = view.getFloat32(4 * i, true); // little-endian
    return out;
  }

  /** A model object from the JSON written by neuralbook.web.export_web. */
  function decodeModel(json) {
    if (json.format !== "neuralbook-web" || json.version !== 1) {
      throw new Error("expected a neuralbook-web model of version 1, got " + json.format + " " + json.version);
    }
    var layers = json.layers.map(function (layer) {
      return {
        nIn: layer.n_in, nOut: layer.n_out, activation: layer.activation,
        alpha: layer.alpha === undefined ? 0.01 : layer.alpha,
        W: decodeFloat32(layer.W, layer.n_in * layer.n_out), b: decodeFloat32(layer.b, layer.n_out),
      };
    });
    return { config: json.config, source: json.source, layers: layers };
  }

  function loadModel(url) {
    return global.fetch(url).then(function (response) {
      if (!response.ok) throw new Error("cannot load the model " + url + ": HTTP " + response.status);
      return response.json();
    }).then(decodeModel);
  }

  function activate(name, z, alpha) {
    var a = new Float64Array(z.length), i;
    if (name === "softmax") {
      var max = maxOf(z), total = 0;
      for (i = 0; i < z.length; i++) { a[i] = Math.exp(z[i] - max); total += a[i]; }
      for (i = 0; i < z.length; i++) a[i] /= total;
      return a;
    }
    for (i = 0; i < z.length; i++) {
      var v = z[i];
      if (name === "relu") a[i] = v > 0 ? v : 0;
      else if (name === "leaky_relu") a[i] = v > 0 ? v : alpha * v;
      else if (name === "sigmoid") a[i] = 1 / (1 + Math.exp(-v));
      else if (name === "tanh") a[i] = Math.tanh(v);
      else if (name === "linear") a[i] = v;
      else throw new Error("unknown activation " + name);
    }
    return a;
  }

  /** Network.forward for one sample x (length n_in): a = f(W a_prev + b), layer by layer. */
  function forward(model, x) {
    var a = x;
    if (a.length !== model.layers[0].nIn) {
      throw new Error("expected an input of " + model.layers[0].nIn + " values, got " + a.length);
    }
    model.layers.forEach(function (layer) {
      var z = new Float64Array(layer.nOut);
      for (var j = 0; j < layer.nOut; j++) {
        var sum = 0, row = j * layer.nIn;
        for (var i = 0; i < layer.nIn; i++) sum += layer.W[row + i] * a[i];
        z[j] = sum + layer.b[j];
      }
      a = activate(layer.activation, z, layer.alpha);
    });
    return a;
  }

  global.NeuralBook = Object.assign(global.NeuralBook || {}, {
    FIELD_SIZE: FIELD_SIZE,
    BlankImageError: BlankImageError,
    greyFromRGBA: greyFromRGBA,
    greyFromLevels: greyFromLevels,
    preprocessSteps: preprocessSteps,
    preprocess: preprocess,
    areaWeights: areaWeights,
    centerOfMass: centerOfMass,
    decodeModel: decodeModel,
    loadModel: loadModel,
    forward: forward,
  });
})(window);
