"""The `gradcheck` kind's chain of steps (qgen.engine.gradcheck), rebuilt from the manifest's
parameters: the central difference from the student's f(p ± h e_v) (or the printed ones), the
relative error from their central difference and analytic derivative."""

from __future__ import annotations

from fractions import Fraction

from qgen.engine.expression import parse_expression
from qgen.engine.gradcheck import central_difference, check_gradient, relative_error
from qgen.grade.steps import Problem, Step, chain
from qgen.kinds.gradcheck import shifted_names


def gradcheck_problem(params: dict, options: dict) -> Problem:
    exact = params["mode"] != "calculator"
    num = Fraction if exact else (lambda v: float(Fraction(v)))
    graph = parse_expression(params["function"])
    point = {v: num(str(p)) for v, p in params["point"].items()}
    h = num(str(params["h"]))
    printed = {k: Fraction(str(v)) for k, v in (params.get("printed") or {}).items()}
    f_printed = params.get("f_printed") or {}
    values, steps = {}, []
    for v in params["checked"]:
        f_values = tuple(Fraction(str(x)) for x in f_printed[v]) if v in f_printed else None
        c = check_gradient(graph, point, v, h, exact, printed, f_values)
        plus, minus = (f"f({name})" for name in shifted_names(v, len(point) == 2)[:2])
        fd, analytic, rel = f"fd(df/d{v})", f"df/d{v}", f"relerr(df/d{v})"
        values.update({plus: c.f_plus, minus: c.f_minus, fd: c.numeric, analytic: c.analytic, rel: c.relative_error})
        steps += [Step(fd, (plus, minus), lambda a, b: central_difference(a, b, h), "central difference"),
                  Step(rel, (fd, analytic), relative_error, "relative error")]
    return Problem(exact, values, chain(*steps))
