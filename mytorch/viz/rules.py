"""Each vector op's backward rule in words: what ``Node.backward`` does with ``grad``.

``grad`` is the gradient that reached the node (the shape of its output);
``a``, ``b``, ... are its inputs in order and ``out`` its output. Gradients
of broadcast inputs are then summed down to the input's shape (one place:
``dual.sum_to``).

Example:
    >>> backward_rule("MatMulBackward")
    'grad_a = grad @ b.T;  grad_b = a.T @ grad'
    >>> backward_rule("NoSuchBackward")
    ''
"""

from __future__ import annotations

__all__ = ["backward_rule", "RULES"]

RULES: dict[str, str] = {
    "AddBackward": "grad_a = grad;  grad_b = grad",
    "SubBackward": "grad_a = grad;  grad_b = -grad",
    "MulBackward": "grad_a = grad * b;  grad_b = grad * a",
    "DivBackward": "grad_a = grad / b;  grad_b = -grad * a / b**2",
    "NegBackward": "grad_a = -grad",
    "PowBackward": "grad_a = grad * k * a**(k-1)",
    "ExpBackward": "grad_a = grad * out",
    "LogBackward": "grad_a = grad / a",
    "SqrtBackward": "grad_a = grad * 0.5 / out",
    "AbsBackward": "grad_a = grad * sign(a)",
    "SinBackward": "grad_a = grad * cos(a)",
    "CosBackward": "grad_a = -grad * sin(a)",
    "TanhBackward": "grad_a = grad * (1 - out**2)",
    "SigmoidBackward": "grad_a = grad * out * (1 - out)",
    "ReluBackward": "grad_a = grad * (a > 0)",
    "ClampBackward": "grad_a = grad * (lo <= a <= hi)",
    "MaximumBackward": "grad_a = grad * (a > b);  grad_b = grad * (b > a)  (ties: half each)",
    "MinimumBackward": "grad_a = grad * (a < b);  grad_b = grad * (b < a)  (ties: half each)",
    "WhereBackward": "grad_a = where(cond, grad, 0);  grad_b = where(cond, 0, grad)",
    "CloneBackward": "grad_a = grad",
    "CastBackward": "grad_a = grad cast to a's dtype",
    "SumBackward": "grad_a = grad broadcast back to a's shape",
    "MaxBackward": "grad_a = grad at the position(s) of the max, 0 elsewhere",
    "AmaxBackward": "grad_a = grad shared by the maximal elements, 0 elsewhere",
    "ReshapeBackward": "grad_a = grad.reshape(a.shape)",
    "PermuteBackward": "grad_a = grad permuted back",
    "ExpandBackward": "grad_a = grad summed over the expanded dims",
    "GetItemBackward": "grad_a = zeros(a.shape) with grad added at the index",
    "IndexAddBackward": "grad_a = grad;  grad_source = grad at the index",
    "SetItemBackward": "grad_a = grad with 0 at the index;  grad_value = grad at the index",
    "CatBackward": "grad_i = the slice of grad where input i was placed",
    "MatMulBackward": "grad_a = grad @ b.T;  grad_b = a.T @ grad",
    "LogSoftmaxBackward": "grad_a = grad - softmax(a) * grad.sum(dim)",
    "SoftmaxBackward": "grad_a = out * (grad - (grad * out).sum(dim))",
    "AddmmBackward": "grad_x = grad @ W;  grad_W = grad.T @ x;  grad_b = grad.sum(0)",
    "ConvolutionBackward": "grad_x = conv_transpose(grad, W);  grad_W = correlate(x, grad);  "
                           "grad_b = grad.sum((0, 2, 3))",
    "CrossEntropyLossBackward": "grad_logits = (softmax(logits) - onehot(target)) * grad / N",
    "MaxPool2DBackward": "grad_x = grad routed to the max of each window, 0 elsewhere",
    "AvgPool2DBackward": "grad_x = grad / window size, spread over each window",
    "ConvReluMaxPool2DBackward": "g = grad routed to each window's max if positive, 0 elsewhere;  "
                                 "then ConvolutionBackward of g",
}


def backward_rule(name: str) -> str:
    """The rule for the node named ``name`` (``"MulBackward"``), or ``""`` when none is written."""
    return RULES.get(name, "")
