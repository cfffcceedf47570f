"""`qgen grade`: mark every student's answers against their own key, with follow-through credit
from the engine and named mistakes (read responses, mark, write grades and reports)."""
