"""Where a claim is judged: a runs table in, verdict rows out. No MLflow, no torch.

measures (what a rule reads from one run), verdict (rows and statements), subject (what a row is about, as
data, and its label in a suite's words), rules (the engines),
sequential (adaptive seeds), tuning, suite (a claim as a grid and a rule), answer (the plain answer),
tables (the one table renderer), simulated (synthetic runs tables for flip tests), nullsim (null tests: the judge
on tables drawn at a row's boundary), landscape (a grid's shape: share near the best, the best's shift).
"""
