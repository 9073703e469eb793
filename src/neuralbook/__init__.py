"""neuralbook: the code of *Neural Networks from Scratch*.

Every formula, worked number, figure and training result in the book is produced by
this package, which uses nothing but NumPy for the network itself. Each module holds
one idea and is explained by one chapter:

| module | what it holds |
|---|---|
| ``activations`` | activation functions and their derivatives |
| ``perceptron`` | the step-function neuron and its learning rule |
| ``losses`` | loss functions and their gradients |
| ``initializers`` | weight initialisation schemes |
| ``layers`` | the dense layer: forward and backward |
| ``network`` | a multi-layer network built from a list of sizes |
| ``gradcheck`` | checking backpropagation with finite differences |
| ``optimizers`` | SGD, momentum and Adam |
| ``schedules`` | learning-rate schedules |
| ``xor`` | the hand-built and the trained XOR networks |
| ``exercises`` | the implement-it-yourself problems and ``check``, which grades them |
| ``datasets`` | reading, downloading and caching MNIST |
| ``training`` | the training loop |
| ``experiments`` | the presets, the experiments of the book and reading their results |
| ``reproduce`` | re-running every measured result of the book (``neuralbook results``) |
| ``serialization`` | saving and loading models as plain ``.npz`` files |
| ``files`` | writing every file atomically |
| ``evaluation`` | accuracy, confusion matrix, mix-ups |
| ``preprocessing`` | turning a photo of a digit into an MNIST input |
| ``photos`` | synthetic photos of digits, and how well the model reads them |
| ``web`` | exporting a model for the in-page digit widget |
| ``plots`` | every figure of the book |
| ``cli`` | the ``neuralbook`` command |
"""

__version__ = "0.1.0"
