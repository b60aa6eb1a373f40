"""backprop-grader: an auto-graded homework checker for the backpropagation unit."""
__version__ = "0.1.0"
