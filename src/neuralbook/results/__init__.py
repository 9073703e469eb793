"""Results measured by the trainer (``neuralbook results``), shipped with the package so the book can cite them."""
