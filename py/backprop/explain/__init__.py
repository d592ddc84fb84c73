"""What the page's views compute, one module a view, each tested in CPython: BP1–BP4 on one digit
(trace), backprop against central differences (gradcheck), saturation, hidden units, the confusion
matrix (metrics) and Nielsen's runs as presets. The page only draws what these return."""
