"""`qgen exam plan EXAM.toml`: each question's parts and the points of each part, drawn from the
class structure (the secret) without building anything, so a points list needs no trial build."""

from __future__ import annotations

from pathlib import Path

from qgen.errors import QgenError
from qgen.exam.config import load_config, points_text
from qgen.exam.points import entries, split_points
from qgen.exam.run import shared_structures
from qgen.exam.secrets import class_seed, load_secret, secret_path_for
from qgen.randomiser import draw_variant


def plan_lines(config_path: Path, secret_path: Path | None = None) -> list[str]:
    """One block per question: its parts in the sheet's order, the numbers each holds, its points."""
    config = load_config(config_path)
    secret = load_secret(secret_path or secret_path_for(config_path), config_path)
    config = shared_structures(config, secret)
    lines = []
    for q in config.questions:
        try:
            variant = draw_variant(q.kind, class_seed(secret, config.title, q.number), q.options)
        except QgenError as e:
            raise QgenError(f"{config_path.name}: questions[{q.number}]: {e}") from None
        answers = variant.draw.answers
        field = f"{config_path.name}: questions[{q.number}].points"
        written = q.part_points is not None and len(q.part_points) == len(answers)
        points = q.part_points if written else split_points(q.points, len(answers), field)
        how = ("as your list gives them" if written else
               f"your list has {len(q.part_points)} numbers: give {len(answers)}" if q.part_points is not None else
               f"{points_text(q.points)} split by the rule")
        lines.append(f"Question {q.number}: {q.kind}, {points_text(q.points)} points, {len(answers)} parts ({how})")
        width = max(len(a.name) for a in answers)
        for i, (a, p) in enumerate(zip(answers, points), start=1):
            n = entries(a.value)
            lines.append(f"  ({i:>2}) {a.name:<{width}}  {n:>2} number{'s' if n != 1 else ' '}  {points_text(p)} point{'' if points_text(p) == '1' else 's'}")
        lines.append(f"  points = [{', '.join(points_text(p) for p in points)}]")
    if not config.same_structure:
        lines.append("same_structure = false: each student's draw has a structure of its own; the parts above are "
                     "the class draw's and may differ per student")
    return lines
