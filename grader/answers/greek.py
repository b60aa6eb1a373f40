"""The Greek letters, in one table: the parser reads the letters (and their variant forms) as
names, the LaTeX reader reads `\\alpha`, and the renderer shows the names as letters again."""
from __future__ import annotations

# name -> the letter shown for it
LETTERS = {
    "alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ε", "zeta": "ζ", "eta": "η",
    "theta": "θ", "iota": "ι", "kappa": "κ", "lambda": "λ", "mu": "μ", "nu": "ν", "xi": "ξ", "rho": "ρ",
    "sigma": "σ", "tau": "τ", "upsilon": "υ", "phi": "φ", "chi": "χ", "psi": "ψ", "omega": "ω",
    "Delta": "Δ", "Theta": "Θ", "Lambda": "Λ", "Sigma": "Σ", "Phi": "Φ", "Psi": "Ψ", "Omega": "Ω",
    "Gamma": "Γ", "Xi": "Ξ", "Pi": "Π", "Upsilon": "Υ",
}
# variant forms read as the plain letter's name (pi is read but shown as the constant π)
VARIANTS = {"varepsilon": "epsilon", "vartheta": "theta", "varphi": "phi", "varrho": "rho",
            "varsigma": "sigma", "varpi": "pi", "varkappa": "kappa"}
_VARIANT_LETTERS = {"ϵ": "epsilon", "ϕ": "phi", "ϑ": "theta", "ϱ": "rho", "ς": "sigma", "ϖ": "pi", "ϰ": "kappa",
                    "π": "pi"}

# the letter a student pastes -> the name the grammar reads
NAMES = {letter: name for name, letter in LETTERS.items()} | _VARIANT_LETTERS
