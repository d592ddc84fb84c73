"""The exercises: a learner's own code checked against central differences and the library
(check.py), and the texts each exercise opens with (a skeleton, broken versions to fix)."""
