"""`qgen exam init`: a starter EXAM.toml and roster.csv, and the secret.

Existing files are kept: a config or roster the instructor already wrote is never replaced,
and a secret never (keys made with it could no longer be regenerated).
"""

from __future__ import annotations

from pathlib import Path

from qgen.errors import QgenError
from qgen.exam.secrets import create_secret, secret_path_for

STARTER_TOML = '''\
# A qgen exam: `qgen exam exam.toml --roster roster.csv` writes a personal sheet and key per student.
# Every student's questions are drawn from the secret in exam.secret (beside this file) and the
# student's id. Keep exam.secret private: with it anyone can regenerate every answer key.

[exam]
title = "Midterm 1: Backpropagation"
course = "CS 4780 Machine Learning"
date = "2026-03-14"                   # a string or a TOML date
duration = "90 minutes"               # a string, or a whole number of minutes
calculator = "A non-programmable calculator is allowed."
# The sheet says first where to write (from answer_space) and how `qgen grade` marks (each number
# against the student's key by the acceptance rule, follow-through credit at follow_through below,
# no points for working); these instructions follow.
instructions = """
Give exact fractions where the numbers allow it, otherwise 4 decimals.
"""
follow_through = 1                    # share of a number's points for a right step from a wrong earlier answer (0 to 1)
difficulty = "easy"                   # default for the questions: easy, medium or hard
mode = "exact"                        # default for the questions: exact, given or calculator
page_per_question = false             # true: every question after the first starts a new page
same_structure = true                 # one structure per question for the class, numbers per student (false: unequal)
answer_space = "boxes"                # boxes (one per number), lines (room per part), none (answer booklets)
keys = "both"                         # grading (one page per student), worked (worked solutions), or both
conventions = "gate-table"            # notation, gate-table (notation + the note's gate table) or full
paper = "a4"                          # a4 or letter

# One [[questions]] block per question, in the order of the sheet. `qgen kinds` lists the
# kinds and their options; options left out take the difficulty's defaults.

[[questions]]
kind = "mlp"
points = 10                           # split over the parts; or one number per part: [1, 1, 2, …] (`qgen exam plan` lists the parts)
[questions.options]
sizes = "2-2-2"
activation = "relu"

[[questions]]
kind = "softmax-ce"
points = 6
mode = "given"
[questions.options]
classes = 3

[[questions]]
kind = "graph"
points = 4
'''

STARTER_ROSTER = '''\
id,name
s001,Ada Lovelace
s002,Zoë O'Brien-Łukasiewicz
s003,José & María Núñez
s004,Grace Hopper
'''


def init_exam(where: Path) -> list[str]:
    """Write what is missing; returns one line per file, saying what was done."""
    where = Path(where)
    if where.suffix == ".toml":
        config = where
    elif where.exists() and not where.is_dir():
        raise QgenError(f"{where}: not a folder and not a .toml file")
    else:
        config = where / "exam.toml"
    folder = config.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise QgenError(f"{folder}: cannot create the folder ({e.strerror})") from None
    roster = folder / "roster.csv"
    secret = secret_path_for(config)
    for path in (config, roster, secret):  # writing would follow the link and create its target
        if path.is_symlink() and not path.exists():
            raise QgenError(f"{path}: a symbolic link to a missing file; remove it or make it point to a file "
                            "(qgen does not write through it)")
    lines = []
    for path, text, what in ((config, STARTER_TOML, "the exam: title, questions, points"),
                             (roster, STARTER_ROSTER, "the class: id and name columns")):
        if path.exists():
            lines.append(f"kept    {path} (exists)")
            continue
        try:
            with open(path, "x", encoding="utf-8") as f:  # O_EXCL: never through a link, never over a file
                f.write(text)
        except OSError as e:
            raise QgenError(f"{path}: cannot write it ({e.strerror})") from None
        lines.append(f"wrote   {path} ({what})")
    if secret.exists():
        lines.append(f"kept    {secret} (a secret is never overwritten)")
    else:
        create_secret(secret)
        lines.append(f"wrote   {secret} (the secret: keep it private, do not share or commit it)")
    lines.append(f"Plan:   qgen exam plan {config}   (each question's parts and points per part)")
    lines.append(f"Next:   qgen exam {config} --roster {roster}")
    return lines
