"""qgen: backpropagation questions with answer keys computed by a reference engine and checked by an oracle."""

__version__ = "0.1.0"
