"""lecturelib: the implementations behind the course book
"RNNs, object detection and segmentation".

One module per lecture concept, so a reader finds the code by the lecture's heading:

* recurrent networks, on one ground floor: ``recurrent`` (what every recurrent module shares, each
  written once: the nonlinearities, the vanilla step h_t = f(W_rec h_{t-1} + W_in x_t + b) and the
  backward step g_{t-1} = W_rec^T (f'(a_t) ⊙ g_t), the weight, state and input checks, the gate orders
  and their stacking, random gate weights, the array operations that let a gated cell's equations
  (``gru.gru_cell``, ``gru.mgu_cell``, ``mrnn.mrnn_cell``) serve numpy and torch alike, and
  ``RecurrentModule``, the torch base class of the vanilla RNN, LSTM, GRU and MGU). On it: ``rnn`` (the vanilla RNN), ``bptt`` (back-propagation through time, truncated BPTT),
  ``gradcheck`` (finite differences), ``gradients`` (vanishing and exploding gradients: clipping,
  Pascanu's regularizer, IRNN and Talathi-Vartak initializations, the cliff), ``tasks`` (adding
  problem, copy task, echo), ``lstm``, ``gru`` (GRU in both reset placements, minimal gated unit),
  ``mrnn`` (multiplicative RNN), ``second_order`` (Hessian-free and L-BFGS), ``recipes`` (the training
  experiments: chapter 3's adding problem and echo, chapter 6's recipes compared);
* detection and segmentation: ``datasets`` (Pascal VOC and COCO readers, boxes, drawing,
  ``scenes`` drawn with exact masks, ``synthetic`` writing them in both formats, the shipped samples,
  ``photos`` annotated in both formats), ``segmentation`` (from per-pixel classification to
  encoder-decoders, metrics, training), ``fcn`` (a classifier turned into a segmenter: fully connected
  layers as convolutions, bilinear transposed convolutions), ``unpooling``, ``transposed_conv``;
* the book's machinery: ``exercises`` (self-checking exercises), ``explorers`` (live or
  offline interactive figures), ``training`` (seeding, the one training loop with hooks for
  metrics, smoothing, parameter counts), ``tables`` (Markdown tables shown as HTML), ``runmode``
  (static book or live kernel), ``plotting``.

Imports go one way: ``recurrent`` needs only ``_validate``; ``rnn``, ``bptt``, ``gru``, ``mrnn`` build on
it, ``gradients`` on ``bptt``, ``lstm`` on ``gradients`` (for its figure), and ``recipes`` on all of them.
"""
__version__ = "0.1.0"
