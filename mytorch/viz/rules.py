"""Each vector op's backward rule in words: what ``Node.backward`` does with ``grad``.

``grad`` is the gradient that reached the node (the shape of its output);
``a``, ``b``, ... are its inputs in order and ``out`` its output. Gradients
of broadcast inputs are then summed down to the input's shape (one place:
``dual.sum_to``).

Example:
    >>> backward_rule("MmBackward0")
    'grad_a = grad @ b.T;  grad_b = a.T @ grad'
    >>> backward_rule("NoSuchBackward")
    ''
"""

from __future__ import annotations

__all__ = ["backward_rule", "RULES"]

RULES: dict[str, str] = {  # keyed by PyTorch's node names without their trailing digit
    "AddBackward": "grad_a = grad;  grad_b = grad",
    "SubBackward": "grad_a = grad;  grad_b = -grad",
    "RsubBackward": "grad_a = -grad  (b - a with the number b)",
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
    "ToCopyBackward": "grad_a = grad cast to a's dtype",
    "SumBackward": "grad_a = grad broadcast back to a's shape",
    "MeanBackward": "grad_a = grad / n, broadcast back to a's shape",
    "MaxBackward": "grad_a = grad at the position(s) of the max, 0 elsewhere",
    "MinBackward": "grad_a = grad at the position(s) of the min, 0 elsewhere",
    "AmaxBackward": "grad_a = grad shared by the maximal elements, 0 elsewhere",
    "AminBackward": "grad_a = grad shared by the minimal elements, 0 elsewhere",
    "ViewBackward": "grad_a = grad.reshape(a.shape)",
    "SqueezeBackward": "grad_a = grad.reshape(a.shape)",
    "UnsqueezeBackward": "grad_a = grad.reshape(a.shape)",
    "PermuteBackward": "grad_a = grad permuted back",
    "TransposeBackward": "grad_a = grad transposed back",
    "TBackward": "grad_a = grad.T",
    "ExpandBackward": "grad_a = grad summed over the expanded dims",
    "IndexBackward": "grad_a = zeros(a.shape) with grad added at the index",
    "SelectBackward": "grad_a = zeros(a.shape) with grad at the index",
    "SliceBackward": "grad_a = zeros(a.shape) with grad in the slice",
    "IndexAddBackward": "grad_a = grad;  grad_source = grad at the index",
    "CopySlices": "grad_a = grad with 0 at the index;  grad_value = grad at the index",
    "CatBackward": "grad_i = the slice of grad where input i was placed",
    "StackBackward": "grad_i = grad[i] along the new dim",
    "MmBackward": "grad_a = grad @ b.T;  grad_b = a.T @ grad",
    "UnsafeViewBackward": "grad_a = grad @ b.T;  grad_b = a.T @ grad  (batched)",
    "LogSoftmaxBackward": "grad_a = grad - softmax(a) * grad.sum(dim)",
    "SoftmaxBackward": "grad_a = out * (grad - (grad * out).sum(dim))",
    "AddmmBackward": "grad_b = grad.sum(0);  grad_x = grad @ W;  grad_W = grad.T @ x",
    "ConvolutionBackward": "grad_x = conv_transpose(grad, W);  grad_W = correlate(x, grad);  "
                           "grad_b = grad.sum((0, 2, 3))",
    "CrossEntropyLossBackward": "grad_logits = (softmax(logits) - onehot(target)) * grad / N",
    "NllLossBackward": "grad_logp = -onehot(target) * weight * grad / (sum of weights)",
    "MseLossBackward": "grad_a = 2 * (a - b) * grad / N;  grad_b = -grad_a",
    "MaxPool2DWithIndicesBackward": "grad_x = grad routed to the max of each window, 0 elsewhere",
    "AvgPool2DBackward": "grad_x = grad / window size, spread over each window",
    "ConvReluMaxPool2DBackward": "g = grad routed to each window's max if positive, 0 elsewhere;  "
                                 "then ConvolutionBackward of g",
}


def backward_rule(name: str) -> str:
    """The rule for the node named ``name`` (``"MulBackward0"``), or ``""`` when none is written."""
    return RULES.get(name.rstrip("0123456789"), "")
