"""Answers: untrusted text -> parse tree (plain, Unicode, LaTeX), and the tree shown back."""
