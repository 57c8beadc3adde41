"""Training recipes behind the ``mytorch`` command and the examples.

* ``boston``: the seed project's tutorial model (13-32-32-32-1 ReLU MLP,
  Adam, min-max scaling, every fourth row held out).
* ``classify``: MNIST / Fashion-MNIST with an MLP or a CNN.
"""
