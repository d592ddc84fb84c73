"""The digits: MNIST's files and the page's subset (mnist.py), drawings made MNIST-like
(preprocess.py), and the random distortions the shipped model trains on (augment.py)."""
