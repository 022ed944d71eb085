"""lecturelib: the implementations behind the course book
"RNNs, object detection and segmentation".

One module per lecture concept: ``rnn`` (the vanilla RNN), ``exercises``
(self-checking exercises), ``explorers`` (live or offline interactive figures),
``training`` (seeding, a training loop), ``plotting`` (shared diagrams).
"""
__version__ = "0.1.0"
