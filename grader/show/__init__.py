"""Show: verdicts and problems as a person sees them (terminal text, JSON, MathML)."""
