"""Scalar reverse-mode automatic differentiation: backpropagation for any formula.

The idea and the shape of the code are those of Andrej Karpathy's micrograd
(https://github.com/karpathy/micrograd): each [`Value`][neuralbook.autograd.Value] remembers
the values it was computed from and how to pass a gradient back to them, and
``backward()`` visits the graph in reverse topological order, multiplying each node's
local gradient by the gradient that arrives from above (the chain rule).
"""

import math

__all__ = ["Value"]


# --8<-- [start:value]
class Value:
    """A number that remembers how it was computed, so that it can be differentiated.

    ``data`` is the number, ``grad`` is ∂f/∂(this value) after ``f.backward()``.

    Examples
    --------
    >>> x, y = Value(2.0), Value(-3.0)
    >>> f = x * y + x
    >>> f.backward()
    >>> print(f.data, x.grad, y.grad)
    -4.0 -2.0 2.0
    """

    def __init__(self, data, parents=()):
        self.data = float(data)
        self.grad = 0.0
        self._parents = parents  # the Values this one was computed from
        self._backward = lambda: None  # adds this node's gradient into its parents' grads

    def __repr__(self):
        return f"Value(data={self.data:.6g}, grad={self.grad:.6g})"

    def __add__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data + other.data, (self, other))

        def _backward():  # add distributes: both inputs get the upstream gradient
            self.grad += out.grad
            other.grad += out.grad
        out._backward = _backward
        return out

    def __mul__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data * other.data, (self, other))

        def _backward():  # multiply swaps: each input gets the other one times upstream
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad
        out._backward = _backward
        return out

    def __pow__(self, exponent):
        if isinstance(exponent, Value):
            raise TypeError("Value ** Value is not supported; the exponent must be a number")
        data = self.data ** exponent
        if isinstance(data, complex):
            raise ValueError(f"{self.data} ** {exponent} is not a real number")
        out = Value(data, (self,))

        def _backward():  # d(x^n)/dx = n x^(n-1)
            self.grad += exponent * self.data ** (exponent - 1) * out.grad
        out._backward = _backward
        return out

    def _unary(self, data, local_gradient):
        """A new Value f(self) whose local gradient df/dself is ``local_gradient``."""
        out = Value(data, (self,))

        def _backward():
            self.grad += local_gradient * out.grad
        out._backward = _backward
        return out

    def exp(self):
        """e to this value; its derivative is itself."""
        e = math.exp(self.data)
        return self._unary(e, e)

    def log(self):
        """The natural logarithm; its derivative is 1/x."""
        if self.data <= 0:
            raise ValueError(f"log needs a positive value, got {self.data}")
        return self._unary(math.log(self.data), 1.0 / self.data)

    def tanh(self):
        """The hyperbolic tangent; its derivative is 1 − tanh²."""
        t = math.tanh(self.data)
        return self._unary(t, 1.0 - t * t)

    def sigmoid(self):
        """The logistic sigmoid σ; its derivative is σ (1 − σ)."""
        e = math.exp(-abs(self.data))  # e^(-|x|) cannot overflow
        s = 1.0 / (1.0 + e) if self.data >= 0 else e / (1.0 + e)
        return self._unary(s, s * (1.0 - s))

    def relu(self):
        """max(0, x); its derivative is 1 for x > 0 and 0 otherwise (0 at the kink)."""
        return self._unary(max(0.0, self.data), 1.0 if self.data > 0 else 0.0)

    def backward(self):
        """Fill in ``grad`` of every Value this one was computed from: ∂(this)/∂(that Value).

        Gradients are added to what ``grad`` already holds, so call it once on a fresh graph.
        """
        order, seen, stack = [], set(), [(self, False)]
        while stack:  # depth-first: a node joins `order` after every node it was computed from
            node, parents_done = stack.pop()
            if parents_done:
                order.append(node)
            elif id(node) not in seen:
                seen.add(id(node))
                stack.append((node, True))
                stack.extend((parent, False) for parent in node._parents)
        self.grad = 1.0  # ∂f/∂f
        for node in reversed(order):  # from f back to the inputs: each node's grad is complete
            node._backward()  # before it is passed on, because everything using it came first

    # The other operations, built from the ones above.
    def __neg__(self):
        return self * -1.0

    def __sub__(self, other):
        return self + (-other)

    def __truediv__(self, other):
        return self * other ** -1.0

    def __radd__(self, other):  # number + Value
        return self + other

    def __rsub__(self, other):  # number - Value
        return (-self) + other

    def __rmul__(self, other):  # number * Value
        return self * other

    def __rtruediv__(self, other):  # number / Value
        return self ** -1.0 * other
# --8<-- [end:value]
