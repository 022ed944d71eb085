"""lecturelib: the implementations behind the course book
"RNNs, object detection and segmentation".

One module per lecture concept, so a reader finds the code by the lecture's heading:

* recurrent networks: ``rnn`` (the vanilla RNN), ``bptt`` (back-propagation through time,
  truncated BPTT), ``gradcheck`` (finite differences), ``gradients`` (vanishing and exploding
  gradients: clipping, Pascanu's regularizer, IRNN and Talathi-Vartak initializations, the
  cliff), ``tasks`` (adding problem, copy task), ``lstm``, ``gru`` (GRU in both reset
  placements, minimal gated unit), ``mrnn`` (multiplicative RNN), ``second_order``
  (Hessian-free and L-BFGS), ``recipes`` (the training recipes compared);
* detection and segmentation: ``datasets`` (Pascal VOC and COCO readers, boxes, drawing,
  the shipped samples), ``segmentation`` (from per-pixel classification to encoder-decoders,
  metrics), ``unpooling``, ``transposed_conv``;
* the book's machinery: ``exercises`` (self-checking exercises), ``explorers`` (live or
  offline interactive figures), ``training`` (seeding, a training loop), ``plotting``.
"""
__version__ = "0.1.0"
