"""Choice answers (a `concepts` option number, Answer.display "choice"): whether a typed number is
one of the options, and the named mistake each option stands for, in the words the feedback, the
report, grades.json and the practice page use.

Each option of a concepts question stands for the right rule or a named mistake: its key in the
question's parameters (`mistakes`, in the order the options are shown; "correct" for the right
one). A mistake the gate table's questions name already (qgen.grade.mistakes: x δᵀ, the SGD sign,
f for f′, …) keeps that name, so a class's report counts it once across kinds.
"""

from __future__ import annotations

from fractions import Fraction

from qgen.grade import mistakes as M

RIGHT = "correct"

# the option's mistake key (qgen/kinds/concept_*.py) -> (plain name, LaTeX name)
_OWN = {
    "max_smaller": ("max gradient sent to the smaller input", "max gradient sent to the smaller input"),
    "max_scale": ("the factor z taken to get no gradient", r"the factor $z$ taken to get no gradient"),
    "max_both": ("max gate taken to pass the gradient to both inputs", "max gate taken to pass the gradient to both inputs"),
    "no_swap": ("multiply gate without the swap (g·x for g·y)", r"multiply gate without the swap ($gx$ for $gy$)"),
    "add_rule": ("add gate's rule used for another gate", "add gate's rule used for another gate"),
    "output_for_gradient": ("gate output used for its local derivative", "gate output used for its local derivative"),
    "other_gate": ("another gate's gradients", "another gate's gradients"),
    "transpose": ("transpose left out (W δ for Wᵀ δ)", r"transpose left out ($W\delta$ for $W^{\mathsf T}\delta$)"),
    "sign": ("wrong sign", "wrong sign"),
    "missing_jacobian": ("local Jacobian Wᵀ left out", r"local Jacobian $W^{\mathsf T}$ left out"),
    "missing_upstream": ("upstream gradient left out", "upstream gradient left out"),
    "target_left_out": ("one-hot target y left out (ŷ for ŷ − y)", r"one-hot target $y$ left out ($\hat y$ for $\hat y - y$)"),
    "missing_softmax_jacobian": ("softmax Jacobian left out (−y/ŷ)", r"softmax Jacobian left out ($-y/\hat y$)"),
    "sum_for_product": ("chain-rule factors added, not multiplied", "chain-rule factors added, not multiplied"),
    "one_factor": ("one layer's σ′ counted for all", r"one layer's $\sigma'$ counted for all"),
    "live_units": ("live units taken for dead ones", "live units taken for dead ones"),
    "relu_passes_all": ("ReLU taken to pass every gradient", "ReLU taken to pass every gradient"),
    "transpose_shape": ("transposed shape", "transposed shape"),
    "missing_diag_shape": ("column f′(z) for the Diag Jacobian's shape", r"column $f'(z)$ for the Diag Jacobian's shape"),
    "true_claim": ("a true claim taken for a wrong one", "a true claim taken for a wrong one"),
    "eta_left_out": ("learning rate η left out", r"learning rate $\eta$ left out"),
    "residual_left_out": ("residual ŷ − y left out", r"residual $\hat y - y$ left out"),
}
# mistakes the gate-table kinds name already: the same name (everywhere, or for one template)
_SHARED = {"f_for_fprime": M.F_FOR_F_PRIME, "sigma_for_dsigma": M.F_FOR_F_PRIME, "missing_diag": M.NO_DERIVATIVE,
           "bias_left_out": M.NO_BIAS}
_BY_TEMPLATE = {("linear_dw", "transpose"): M.TRANSPOSED, ("sgd_step", "sign"): M.SGD_SIGN,
                ("sgd_direction", "sign"): M.SGD_SIGN, ("softmax_ce", "sign"): M.SOFTMAX_SIGN}

NAMES = tuple(dict.fromkeys(plain for plain, _ in _OWN.values()))
LATEX = {**M.LATEX, **{plain: latex for plain, latex in _OWN.values()}}  # every named mistake, typeset
ALL = M.ALL + tuple(n for n in NAMES if n not in M.ALL)  # every named mistake, in the report's order


def mistake_name(template: str, key: str) -> str | None:
    """The name of the mistake an option stands for; None for the right option or an unknown key."""
    if key == RIGHT:
        return None
    shared = _BY_TEMPLATE.get((template, key)) or _SHARED.get(key)
    return shared or (_OWN[key][0] if key in _OWN else None)


def option_mistakes(parameters: dict) -> list[str | None]:
    """Per shown option (in order), the name of the mistake it stands for (None: the right option)."""
    keys = parameters.get("mistakes") if isinstance(parameters, dict) else None
    if not isinstance(keys, list):
        return []
    template = str(parameters.get("template", ""))
    return [mistake_name(template, k) if isinstance(k, str) else None for k in keys]


def option_number(value, count: int) -> int | None:
    """The option a typed value chooses (1 … count; 3.00 is 3), or None when it is no option's number."""
    if isinstance(value, Fraction) and value.denominator == 1 and 1 <= value.numerator <= count:
        return value.numerator
    return None


def not_an_option(count: int) -> str:
    """Why a typed number is refused for a choice answer (the responses' problem; --lenient marks it
    unreadable)."""
    return f"not one of the options 1 to {count}: type the number of the option the student chose"
